package io.exitstream.server;

import io.exitstream.engine.runtime.GenerationRequest;
import java.util.List;

/**
 * A validated {@code /v1/completions} request: what to generate and how to answer.
 *
 * @param generation prompt ids, sampling, token budget and stop tokens for the engine
 * @param stops stop strings: the text ends before the first one that appears
 * @param stream answer with Server-Sent Events rather than one JSON object
 * @param includeUsage with {@code stream}, send a last chunk with the token counts
 * @param quality the quality class whose plan it runs under, or null for the server's plan
 */
public record CompletionRequest(GenerationRequest generation, List<String> stops, boolean stream,
        boolean includeUsage, QualityClass quality) {

    public CompletionRequest {
        stops = List.copyOf(stops);
    }

    public int promptTokens() {
        return generation.prompt().length;
    }
}
