package io.exitstream.router;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Everything logged through java.util.logging (the router's System.Logger and Vert.x) while
 * open, at every level, formatted as it would be printed.
 */
final class CapturedLog extends Handler implements AutoCloseable {

    private static final Logger ROUTER = Logger.getLogger("io.exitstream.router");

    private final StringBuffer text = new StringBuffer();
    private final Level routerLevel = ROUTER.getLevel();

    CapturedLog() {
        setFormatter(new SimpleFormatter());
        setLevel(Level.ALL);
        ROUTER.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(this);
    }

    String text() {
        return text.toString();
    }

    @Override
    public void publish(LogRecord record) {
        text.append(getFormatter().format(record));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
        ROUTER.setLevel(routerLevel);
    }
}
