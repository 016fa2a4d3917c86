package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A completion as a client sees it, read from a whole JSON response or a whole Server-Sent
 * Event stream; reading it asserts that it is well-formed (OpenAI's shapes, one id, the exit
 * layers and usage consistent with the tokens).
 *
 * @param usage the usage object, or null for a stream that did not ask for it
 */
record Completion(String text, String finishReason, List<Integer> exitLayers, long planVersion,
        JsonObject usage) {

    /** A non-streaming response body. */
    static Completion ofJson(String body) {
        JsonObject response = new JsonObject(body);
        assertThat(response.getString("object")).isEqualTo("text_completion");
        JsonObject choice = onlyChoice(response);
        JsonObject exitstream = choice.getJsonObject("exitstream");
        List<Integer> layers = ints(exitstream.getJsonArray("exit_layers"));
        Completion completion = new Completion(choice.getString("text"),
                choice.getString("finish_reason"), layers, exitstream.getLong("plan_version"),
                response.getJsonObject("usage"));
        completion.assertUsageCounts();
        return completion;
    }

    /** A whole event stream: chunks, the finishing chunk, maybe usage, then [DONE]. */
    static Completion ofStream(String body) {
        List<String> events = List.of(body.split("\n\n", -1));
        assertThat(events).as(body).hasSizeGreaterThanOrEqualTo(3);
        assertThat(events.get(events.size() - 1)).as("nothing after the last event").isEmpty();
        assertThat(events.get(events.size() - 2)).isEqualTo("data: [DONE]");
        List<JsonObject> chunks = new ArrayList<>();
        for (String event : events.subList(0, events.size() - 2)) {
            assertThat(event).startsWith("data: {");
            chunks.add(new JsonObject(event.substring("data: ".length())));
        }
        String id = chunks.get(0).getString("id");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.getString("id")).isEqualTo(id);
            assertThat(chunk.getString("object")).isEqualTo("text_completion");
        });
        JsonObject usage = null;
        JsonObject tail = chunks.get(chunks.size() - 1);
        if (tail.containsKey("usage")) {
            assertThat(tail.getJsonArray("choices")).isEmpty();
            usage = tail.getJsonObject("usage");
            chunks = chunks.subList(0, chunks.size() - 1);
        }
        StringBuilder text = new StringBuilder();
        List<Integer> layers = new ArrayList<>();
        String finish = null;
        long planVersion = -1;
        for (JsonObject chunk : chunks) {
            assertThat(finish).as("a chunk after the finishing one").isNull();
            JsonObject choice = onlyChoice(chunk);
            text.append(choice.getString("text"));
            JsonObject exitstream = choice.getJsonObject("exitstream");
            layers.addAll(ints(exitstream.getJsonArray("exit_layers")));
            planVersion = exitstream.getLong("plan_version");
            finish = choice.getString("finish_reason");
        }
        assertThat(finish).as("the last choice chunk has a finish reason").isNotNull();
        Completion completion = new Completion(text.toString(), finish, layers, planVersion,
                usage);
        completion.assertUsageCounts();
        return completion;
    }

    private static JsonObject onlyChoice(JsonObject response) {
        JsonArray choices = response.getJsonArray("choices");
        assertThat(choices).hasSize(1);
        JsonObject choice = choices.getJsonObject(0);
        assertThat(choice.getInteger("index")).isZero();
        return choice;
    }

    private static List<Integer> ints(JsonArray array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(value -> out.add((Integer) value));
        return out;
    }

    private void assertUsageCounts() {
        if (usage == null) {
            return;
        }
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(exitLayers.size());
        assertThat(usage.getInteger("prompt_tokens")).isPositive();
        assertThat(usage.getInteger("total_tokens")).isEqualTo(
                usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"));
    }

    int completionTokens() {
        return exitLayers.size();
    }
}
