package io.exitstream.compression.reschedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A re-scheduler in a JVM of its own, so that a test can kill it hard (SIGKILL) in the middle
 * of a window. It commits only every 10 s, so a kill loses work it has processed but not
 * committed. Prints {@code tokens N} whenever the watched window's count changes.
 */
final class ChildRescheduler {

    private final Process process;
    private final BufferedReader output;

    private ChildRescheduler(Process process) {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
    }

    /** Arguments: bootstrap servers, application id, state directory, window start (ms). */
    public static void main(String[] args) throws InterruptedException {
        Properties slowCommits = new Properties();
        slowCommits.put("commit.interval.ms", "10000");
        RescheduleApp app = Apps.start(args[0], args[1], Path.of(args[2]), slowCommits);
        long window = Long.parseLong(args[3]);
        long last = -1;
        while (true) {
            WindowStats stats = Apps.stats(app.streams(), window);
            if (stats != null && stats.tokens() != last) {
                last = stats.tokens();
                System.out.println("tokens " + last);
                System.out.flush();
            }
            Thread.sleep(20);
        }
    }

    static ChildRescheduler start(String bootstrap, String applicationId, Path stateDir,
            long windowStart) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ChildRescheduler.class.getName(), bootstrap, applicationId, stateDir.toString(),
                Long.toString(windowStart)));
        return new ChildRescheduler(new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Reads the child's output until its window holds at least {@code tokens} tokens. */
    void awaitTokens(long tokens) throws IOException {
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (Long.parseLong(line.substring("tokens ".length())) >= tokens) {
                return;
            }
        }
        throw new AssertionError("the child re-scheduler ended before counting " + tokens);
    }

    /** SIGKILL: no commit, no clean close of its state. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
