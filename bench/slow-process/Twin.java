import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.*;
import java.nio.file.Path;
import java.util.List;

// Two device copies of the same weights in one process, alternated: does a slow process make
// both copies slow (process-wide cause) or one copy (where its weights lie)?
public class Twin {
    public static void main(String[] args) throws Exception {
        LlamaWeights w = ModelFormat.load(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        try (LlamaModel a = LlamaModel.load(w, WeightType.FLOAT32);
             LlamaModel b = LlamaModel.load(w, WeightType.FLOAT32);
             Generator ga = new Generator(a, 1, 130); Generator gb = new Generator(b, 1, 130)) {
            List<int[]> p = List.of(new int[] {1});
            Runnable both = () -> { DecodeSpeed.time(ga, p, 128); DecodeSpeed.time(gb, p, 128); };
            DecodeSpeed.warmUp(both, 10);
            DecodeSpeed.settle(both, 60);
            StringBuilder sa = new StringBuilder(), sb = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                double x = DecodeSpeed.time(ga, p, 128).tokensPerSecond();
                double y = DecodeSpeed.time(gb, p, 128).tokensPerSecond();
                sa.append(Math.round(x)).append(' ');
                sb.append(Math.round(y)).append(' ');
            }
            System.out.println("A " + sa + "\nB " + sb);
        }
    }
}
