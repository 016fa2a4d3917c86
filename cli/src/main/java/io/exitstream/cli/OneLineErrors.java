package io.exitstream.cli;

import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failure into one line on stderr and exit code 1: users see what to change, not a
 * stack trace. {@code EXITSTREAM_DEBUG=1} prints the trace for bug reports.
 */
final class OneLineErrors implements IExecutionExceptionHandler {

    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        command.getErr().println(command.getCommandName() + ": " + describe(e));
        if (System.getenv("EXITSTREAM_DEBUG") != null) {
            e.printStackTrace(command.getErr());
        }
        command.getErr().flush();
        return FAILED;
    }

    static String describe(Throwable e) {
        Throwable cause = e instanceof UncheckedIOException && e.getCause() != null
                ? e.getCause() : e;
        if (cause instanceof NoSuchFileException missing) {
            return "file not found: " + missing.getFile();
        }
        if (cause instanceof CheckpointException || cause instanceof IllegalArgumentException
                || cause instanceof IllegalStateException) {
            return cause.getMessage();
        }
        if (cause instanceof IOException) {
            return "I/O error: " + cause.getMessage();
        }
        return "internal error: " + cause + " (set EXITSTREAM_DEBUG=1 for the stack trace)";
    }
}
