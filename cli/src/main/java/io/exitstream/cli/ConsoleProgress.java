package io.exitstream.cli;

import io.exitstream.compression.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A compression job's progress on stderr, so that stdout stays pure JSON. On a terminal it is
 * a bar redrawn in place. Anywhere else (a log file, a pipe, a CI job) it is a whole plain
 * line every few seconds: a bar redrawn in place there fills the log with carriage returns
 * and is cut to 80 columns, which lost the end of the status (a training run's tokens/s).
 */
final class ConsoleProgress implements Progress {

    private static final int TERMINAL_REFRESH_MILLIS = 250;
    private static final int LOG_LINE_EVERY_MILLIS = 5_000;
    private static final int LOG_LINE_LENGTH = 200;

    private final PrintStream err;
    private final boolean terminal;
    private ProgressBar bar;

    ConsoleProgress() {
        this(System.err, stderrIsTerminal());
    }

    ConsoleProgress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void begin(String task, long total) {
        resume(task, total, 0);
    }

    /**
     * Begins a job of which {@code done} units were done by an earlier run (a resumed
     * checkpoint): the count starts there, and the rate and time left come from this run's
     * units only.
     */
    void resume(String task, long total, long done) {
        end();
        ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(task)
                .setInitialMax(total).startsFrom(done, Duration.ZERO).continuousUpdate();
        if (terminal) {
            builder.setConsumer(new ConsoleProgressBarConsumer(err))
                    .setUpdateIntervalMillis(TERMINAL_REFRESH_MILLIS);
        } else {
            builder.setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new DelegatingProgressBarConsumer(err::println,
                            LOG_LINE_LENGTH))
                    .setUpdateIntervalMillis(LOG_LINE_EVERY_MILLIS);
        }
        bar = builder.build();
    }

    @Override
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** Shows a short status after the count, e.g. the current loss. */
    void extra(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    @Override
    public void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    /**
     * Whether this process's stderr is a terminal. Java has no isatty; on Linux the descriptor's
     * link names the device. {@link System#console()} also answers no when only stdout is
     * redirected, which is how these commands are run ({@code > report.json}), so it is only
     * the fallback where /proc cannot be read.
     */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
