import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.runtime.*;
import java.nio.file.Path;
import java.util.List;

// Our decode and run.c's, interleaved run by run from one process: do our slow stretches
// coincide with run.c's?
public class Beside {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[1]);
        try (LlamaModel a = LlamaModel.load(ModelFormat.load(Path.of(args[0])), WeightType.FLOAT32);
             Generator g = new Generator(a, 1, 130)) {
            List<int[]> p = List.of(new int[] {1});
            Runnable run = () -> DecodeSpeed.time(g, p, 128);
            DecodeSpeed.warmUp(run, 10);
            DecodeSpeed.settle(run, 60);
            for (int r = 0; r < rounds; r++) {
                double ours = DecodeSpeed.time(g, p, 128).tokensPerSecond();
                Thread.sleep(300);
                ProcessBuilder pb = new ProcessBuilder("/tmp/exitstream-runc", args[0], "128");
                pb.environment().put("OMP_NUM_THREADS", "2");
                Process c = pb.start();
                String runc = new String(c.getInputStream().readAllBytes()).trim();
                c.waitFor();
                Thread.sleep(300);
                System.out.println(Math.round(ours) + " " + runc);
            }
        }
    }
}
