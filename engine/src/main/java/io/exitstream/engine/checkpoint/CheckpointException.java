package io.exitstream.engine.checkpoint;

/**
 * A model or tokenizer file that cannot be used. The message is meant for the user: it names the
 * file and says what is wrong with it, in one line.
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
