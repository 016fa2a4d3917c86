package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every sampling and output field through real HTTP on the shipped model, each against a case
 * where it must change the answer (or must equal a known one).
 */
class SamplingFieldsTest extends OnTestServer {

    private static final String PROMPT = "\"prompt\": \"Once upon a time, there was a little\"";

    private static String body(String fields) {
        return "{" + PROMPT + ", \"ignore_eos\": true, " + fields + "}";
    }

    private static JsonObject onlyChoice(JsonObject response) {
        JsonArray choices = response.getJsonArray("choices");
        assertThat(choices).hasSize(1);
        return choices.getJsonObject(0);
    }

    private static String greedy(int tokens) {
        return server.text(body("\"max_tokens\": " + tokens + ", \"temperature\": 0"));
    }

    /** The ids of a completion's tokens, read from its log probabilities. */
    private static List<Integer> tokenIds(String fields) {
        JsonObject logprobs = onlyChoice(server.complete(body(fields
                + ", \"logprobs\": 0, \"return_tokens_as_token_ids\": true")))
                .getJsonObject("logprobs");
        List<Integer> ids = new ArrayList<>();
        for (Object token : logprobs.getJsonArray("tokens")) {
            ids.add(Integer.parseInt(((String) token).substring("token_id:".length())));
        }
        return ids;
    }

    @Test
    void topKOfOneAndMinPOfOneAreGreedyWhateverTheTemperature() {
        String greedy = greedy(24);
        assertThat(server.text(body("\"max_tokens\": 24, \"temperature\": 1.5, \"top_k\": 1,"
                + " \"seed\": 5"))).isEqualTo(greedy);
        assertThat(server.text(body("\"max_tokens\": 24, \"temperature\": 1.5, \"min_p\": 1,"
                + " \"seed\": 5"))).isEqualTo(greedy);
        // The same seed without them samples something else: the fields did the work.
        assertThat(server.text(body("\"max_tokens\": 24, \"temperature\": 1.5, \"seed\": 5")))
                .isNotEqualTo(greedy);
    }

    @Test
    void logitBiasOfMinus100OnTheGreedyTokenChangesTheFirstToken() {
        List<Integer> greedy = tokenIds("\"max_tokens\": 3, \"temperature\": 0");
        int first = greedy.get(0);

        List<Integer> biased = tokenIds("\"max_tokens\": 3, \"temperature\": 0,"
                + " \"logit_bias\": {\"" + first + "\": -100}");
        assertThat(biased.get(0)).isNotEqualTo(first);
        assertThat(biased).doesNotContain(first);
        List<Integer> forced = tokenIds("\"max_tokens\": 3, \"temperature\": 0,"
                + " \"logit_bias\": {\"42\": 100}");
        assertThat(forced).containsOnly(42);
    }

    @Test
    void penaltiesChangeTheGreedyText() {
        String greedy = greedy(48);
        for (String penalty : new String[] {"\"repetition_penalty\": 1.8",
                "\"presence_penalty\": 1.5", "\"frequency_penalty\": 1.5"}) {
            String text = server.text(body("\"max_tokens\": 48, \"temperature\": 0, "
                    + penalty));
            assertThat(text).as(penalty).isNotEqualTo(greedy);
        }
        // A penalty of no effect leaves it as it was.
        assertThat(server.text(body("\"max_tokens\": 48, \"temperature\": 0,"
                + " \"repetition_penalty\": 1, \"presence_penalty\": 0"))).isEqualTo(greedy);
    }

    @Test
    void repetitionPenaltyRepeatsLessThanGreedy() {
        List<Integer> greedy = tokenIds("\"max_tokens\": 64, \"temperature\": 0");
        List<Integer> penalised = tokenIds("\"max_tokens\": 64, \"temperature\": 0,"
                + " \"frequency_penalty\": 2");
        assertThat(penalised.stream().distinct().count())
                .isGreaterThan(greedy.stream().distinct().count());
    }

    @Test
    void logprobsAreReportedPerTokenWithTheGreedyTokenMostProbable() {
        JsonObject choice = onlyChoice(server.complete(body("\"max_tokens\": 8,"
                + " \"temperature\": 0, \"logprobs\": 3")));
        JsonObject logprobs = choice.getJsonObject("logprobs");
        int tokens = choice.getJsonObject("exitstream").getJsonArray("exit_layers").size();
        assertThat(logprobs.getJsonArray("tokens")).hasSize(tokens);
        assertThat(logprobs.getJsonArray("text_offset")).hasSize(tokens);
        JsonArray values = logprobs.getJsonArray("token_logprobs");
        JsonArray top = logprobs.getJsonArray("top_logprobs");
        for (int i = 0; i < tokens; i++) {
            double chosen = values.getDouble(i);
            JsonObject best = top.getJsonObject(i);
            assertThat(best.size()).isBetween(3, 4);
            assertThat(chosen).isLessThanOrEqualTo(0);
            // Greedy: the chosen token is the most probable of the distribution reported.
            double max = best.stream().mapToDouble(e -> ((Number) e.getValue()).doubleValue())
                    .max().orElseThrow();
            assertThat(chosen).isEqualTo(max);
            assertThat(best.getDouble(logprobs.getJsonArray("tokens").getString(i)))
                    .isEqualTo(chosen);
        }
        assertThat(String.join("", logprobs.getJsonArray("tokens").stream()
                .map(String.class::cast).toList())).isEqualTo(choice.getString("text"));
    }

    @Test
    void streamedLogprobsComeWithTheirChunks() {
        HttpResponse<String> response = server.post("/v1/completions", body("\"max_tokens\": 6,"
                + " \"temperature\": 0, \"logprobs\": 1, \"stream\": true"));
        assertThat(response.statusCode()).isEqualTo(200);
        int tokens = 0;
        for (String event : response.body().split("\n\n")) {
            if (event.startsWith("data: {")) {
                JsonObject choice = new JsonObject(event.substring(6)).getJsonArray("choices")
                        .getJsonObject(0);
                tokens += choice.getJsonObject("logprobs").getJsonArray("tokens").size();
            }
        }
        assertThat(tokens).isEqualTo(6);
    }

    @Test
    void echoPutsThePromptBeforeTheText() {
        String greedy = greedy(5);
        String echoed = server.text(body("\"max_tokens\": 5, \"temperature\": 0,"
                + " \"echo\": true"));
        assertThat(echoed).isEqualTo("Once upon a time, there was a little" + greedy);
        HttpResponse<String> stream = server.post("/v1/completions", body("\"max_tokens\": 5,"
                + " \"temperature\": 0, \"echo\": true, \"stream\": true"));
        assertThat(Completion.ofStream(stream.body()).text()).isEqualTo(echoed);
    }

    @Test
    void echoWithLogprobsScoresThePromptAndAgreesWithGeneration() {
        JsonObject choice = onlyChoice(server.complete(body("\"max_tokens\": 3,"
                + " \"temperature\": 0, \"echo\": true, \"logprobs\": 2,"
                + " \"return_tokens_as_token_ids\": true")));
        JsonObject logprobs = choice.getJsonObject("logprobs");
        JsonArray tokens = logprobs.getJsonArray("tokens");
        JsonArray values = logprobs.getJsonArray("token_logprobs");
        int prompt = new JsonObject(server.post("/tokenize", "{" + PROMPT + "}").body())
                .getInteger("count");
        assertThat(tokens).hasSize(prompt + 3);
        assertThat(values.getValue(0)).isNull();
        assertThat(logprobs.getJsonArray("top_logprobs").getValue(0)).isNull();
        for (int i = 1; i < prompt; i++) {
            assertThat(values.getDouble(i)).as("prompt token %d", i).isLessThanOrEqualTo(0);
        }
        // Scoring the prompt plus the first generated token as a prompt gives that token the
        // log probability generation reported for it: the prefill and the decode agree.
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i <= prompt; i++) {
            ids.add(Integer.parseInt(tokens.getString(i).substring("token_id:".length())));
        }
        JsonObject scored = onlyChoice(server.complete("{\"prompt\": " + new JsonArray(ids)
                + ", \"max_tokens\": 1, \"echo\": true, \"logprobs\": 0}"))
                .getJsonObject("logprobs");
        assertThat(scored.getJsonArray("token_logprobs").getDouble(prompt))
                .isCloseTo(values.getDouble(prompt), org.assertj.core.api.Assertions.within(1e-3));
    }

    @Test
    void maxCompletionTokensBoundsTheLength() {
        JsonObject response = server.complete(body("\"max_completion_tokens\": 3"));
        assertThat(response.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(3);
        assertThat(onlyChoice(response).getString("finish_reason")).isEqualTo("length");
    }

    @Test
    void bestOfAnswersTheMostProbableCandidates() {
        // Candidate i samples with seed 60 + i; each alone, with its cumulative log probability.
        List<Double> cumulative = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int seed = 60; seed < 64; seed++) {
            JsonObject choice = onlyChoice(server.complete(body("\"max_tokens\": 8,"
                    + " \"temperature\": 1, \"logprobs\": 0, \"seed\": " + seed)));
            texts.add(choice.getString("text"));
            cumulative.add(choice.getJsonObject("logprobs").getJsonArray("token_logprobs")
                    .stream().mapToDouble(v -> ((Number) v).doubleValue()).sum());
        }
        List<Integer> ranked = new ArrayList<>(List.of(0, 1, 2, 3));
        ranked.sort((a, b) -> Double.compare(cumulative.get(b), cumulative.get(a)));
        // Seeded, so fixed: the best two are not simply the first two candidates.
        assertThat(ranked.subList(0, 2)).isNotEqualTo(List.of(0, 1));

        JsonObject response = server.complete(body("\"max_tokens\": 8, \"temperature\": 1,"
                + " \"n\": 2, \"best_of\": 4, \"seed\": 60"));
        JsonArray choices = response.getJsonArray("choices");
        assertThat(choices).hasSize(2);
        assertThat(choices.getJsonObject(0).getString("text")).isEqualTo(texts.get(ranked.get(0)));
        assertThat(choices.getJsonObject(1).getString("text")).isEqualTo(texts.get(ranked.get(1)));
        assertThat(choices.getJsonObject(1).getInteger("index")).isOne();
        assertThat(choices.getJsonObject(0).getValue("logprobs")).isNull();
        assertThat(response.getJsonObject("usage").getInteger("completion_tokens"))
                .isEqualTo(32);
    }

    @Test
    void nChoicesAreSeededOneAfterTheOther() {
        JsonObject response = server.complete(body("\"max_tokens\": 12, \"temperature\": 1,"
                + " \"n\": 2, \"best_of\": 2, \"seed\": 40"));
        JsonArray choices = response.getJsonArray("choices");
        assertThat(choices).hasSize(2);
        String first = server.text(body("\"max_tokens\": 12, \"temperature\": 1, \"seed\": 40"));
        String second = server.text(body("\"max_tokens\": 12, \"temperature\": 1, \"seed\": 41"));
        assertThat(choices.getJsonObject(0).getString("text")).isEqualTo(first);
        assertThat(choices.getJsonObject(1).getString("text")).isEqualTo(second);
        assertThat(first).isNotEqualTo(second);
        assertThat(response.getJsonObject("usage").getInteger("completion_tokens"))
                .isEqualTo(24);
    }
}
