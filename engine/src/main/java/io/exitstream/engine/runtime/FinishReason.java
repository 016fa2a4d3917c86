package io.exitstream.engine.runtime;

/** Why a sequence stopped generating (OpenAI's {@code finish_reason} values where they exist). */
public enum FinishReason {
    /** A stop token was produced. */
    STOP,
    /** The token limit was reached or the context is full. */
    LENGTH,
    /** The caller gave up on it (a client disconnected, a deadline passed). */
    CANCELLED
}
