import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.*;
import java.nio.file.Path;
import java.util.List;

// The weights loaded at start (A) against a device copy made just now (B), every few runs:
// when A is slow, is a fresh copy of the same weights slow too?
public class Fresh {
    public static void main(String[] args) throws Exception {
        LlamaWeights w = ModelFormat.load(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        List<int[]> p = List.of(new int[] {1});
        try (LlamaModel a = LlamaModel.load(w, WeightType.FLOAT32);
             Generator ga = new Generator(a, 1, 130)) {
            Runnable runA = () -> DecodeSpeed.time(ga, p, 128);
            DecodeSpeed.warmUp(runA, 10);
            DecodeSpeed.settle(runA, 60);
            for (int r = 0; r < rounds; r++) {
                double x = DecodeSpeed.time(ga, p, 128).tokensPerSecond();
                double y;
                try (LlamaModel b = LlamaModel.load(w, WeightType.FLOAT32);
                     Generator gb = new Generator(b, 1, 130)) {
                    for (int i = 0; i < 3; i++) DecodeSpeed.time(gb, p, 128);
                    y = DecodeSpeed.time(gb, p, 128).tokensPerSecond();
                }
                double z = DecodeSpeed.time(ga, p, 128).tokensPerSecond();
                System.out.printf("%.0f %.0f %.0f%n", x, y, z);
            }
        }
    }
}
