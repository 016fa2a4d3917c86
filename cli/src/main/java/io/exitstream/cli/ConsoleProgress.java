package io.exitstream.cli;

import io.exitstream.compression.Progress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A compression job's progress as a bar on stderr, so that stdout stays pure JSON. */
final class ConsoleProgress implements Progress {

    private ProgressBar bar;

    @Override
    public void begin(String task, long total) {
        end();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250).continuousUpdate().build();
    }

    @Override
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** Moves the count to {@code done}, e.g. the bytes read so far. */
    void stepTo(long done) {
        if (bar != null) {
            bar.stepTo(done);
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
}
