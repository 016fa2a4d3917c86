import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.runtime.*;
import java.nio.file.Path;
import java.util.List;

// Our decode run and a child process (COMMAND...: run.c, or the spinner probe), interleaved
// run by run from one process: what does the child see while ours is slow?
//   java Beside MODEL ROUNDS COMMAND...
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
                ProcessBuilder pb = new ProcessBuilder(List.of(args).subList(2, args.length));
                pb.environment().put("OMP_NUM_THREADS", "2");
                Process c = pb.start();
                String child = new String(c.getInputStream().readAllBytes()).trim();
                c.waitFor();
                Thread.sleep(300);
                System.out.println(Math.round(ours) + " " + child);
            }
        }
    }
}
