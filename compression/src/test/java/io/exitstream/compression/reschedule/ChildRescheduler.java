package io.exitstream.compression.reschedule;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A re-scheduler in a JVM of its own, so that a test can kill it hard (SIGKILL) in the middle
 * of a window. It commits only every 5 s, so a kill loses work it has processed but not
 * committed; its transactions time out after 8 s, so the broker aborts the one the kill left
 * open soon, and its group membership lapses after 6 s. Prints {@code tokens N} whenever the
 * watched window's count changes.
 */
final class ChildRescheduler {

    private final Process process;
    private final BufferedReader output;

    private ChildRescheduler(Process process) {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
    }

    /**
     * Arguments: bootstrap servers, model id, application id, state directory, window start
     * (ms).
     */
    public static void main(String[] args) throws InterruptedException {
        Properties slowCommits = new Properties();
        slowCommits.put("commit.interval.ms", "5000");
        slowCommits.put("producer.transaction.timeout.ms", "8000");
        // The group forgets the killed member soon (the broker's minimum), not after 45 s.
        slowCommits.put("consumer.session.timeout.ms", "6000");
        slowCommits.put("consumer.heartbeat.interval.ms", "1000");
        String model = args[1];
        RescheduleApp app = Apps.start(args[0], model, args[2], Path.of(args[3]), slowCommits);
        long window = Long.parseLong(args[4]);
        long last = -1;
        while (true) {
            WindowStats stats = Apps.stats(app.streams(), model, window);
            if (stats != null && stats.tokens() != last) {
                last = stats.tokens();
                System.out.println("tokens " + last);
                System.out.flush();
            }
            Thread.sleep(20);
        }
    }

    static ChildRescheduler start(String bootstrap, String model, String applicationId,
            Path stateDir, long windowStart) throws IOException {
        // A killed JVM cannot delete its temporary files (RocksDB's 15 MB native library among
        // them), so they go beside the state directory, which the test cleans up.
        Path tmp = Files.createDirectories(stateDir.resolveSibling(stateDir.getFileName()
                + "-tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                ChildRescheduler.class.getName(), bootstrap, model, applicationId,
                stateDir.toString(),
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
