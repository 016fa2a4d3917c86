package io.exitstream.cli;

import io.exitstream.compression.reschedule.RescheduleApp;
import java.util.Deque;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A started re-scheduler (see {@link RescheduleOptions#start}): the Streams application and what
 * its gate runs on (the model, the evaluator, the draft probe), closed together.
 */
final class LiveRescheduler implements AutoCloseable {

    private final String modelId;
    private final String applicationId;
    private final RescheduleApp app;
    /** The app on top, the model at the bottom: closed in that order. */
    private final Deque<AutoCloseable> owned;
    private volatile boolean closing;

    LiveRescheduler(String modelId, String applicationId, RescheduleApp app,
            Deque<AutoCloseable> owned) {
        this.modelId = modelId;
        this.applicationId = applicationId;
        this.app = app;
        this.owned = owned;
    }

    String modelId() {
        return modelId;
    }

    String applicationId() {
        return applicationId;
    }

    /** The reason the application stopped by itself; null while it runs or is being closed. */
    String failure() {
        KafkaStreams.State s = app.streams().state();
        return !closing && (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING)
                ? "the streams application stopped (" + s + "); see the log above" : null;
    }

    /** Stops the application (it commits and leaves its group), then frees the model. */
    @Override
    public synchronized void close() {
        closing = true;
        closeAll(owned);
    }

    /** Closes and removes each of {@code resources}, top first; one failing stops no other. */
    static void closeAll(Deque<AutoCloseable> resources) {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                System.err.println("reschedule: while stopping: " + e.getMessage());
            }
        }
    }
}
