import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.runtime.*;
import java.nio.file.Path;
import java.util.List;

// Decodes continuously, one line per 128-token run: seconds since start, tokens/s.
public class Loop {
    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(args[1]);
        try (LlamaModel a = LlamaModel.load(ModelFormat.load(Path.of(args[0])), WeightType.FLOAT32);
             Generator g = new Generator(a, 1, 130)) {
            List<int[]> p = List.of(new int[] {1});
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < seconds * 1e9) {
                double tps = DecodeSpeed.time(g, p, 128).tokensPerSecond();
                System.out.printf("%.2f %.0f%n", (System.nanoTime() - t0) / 1e9, tps);
            }
        }
    }
}
