package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Quality classes on the shipped model, whose {@code plans/classes.json} maps balanced and fast
 * to its certified plans: exact rows give the full model's tokens while fast rows decoding
 * beside them exit early, and plan swaps move the server's plan, never exact's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QualityClassTest extends OnTestServer {

    private static final int LAST_LAYER = 7;

    private static String body(String prompt, String fields) {
        return "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 32, \"ignore_eos\": true, "
                + fields + "}";
    }

    private static JsonObject exitstream(JsonObject response) {
        return response.getJsonArray("choices").getJsonObject(0).getJsonObject("exitstream");
    }

    private static String text(JsonObject response) {
        return response.getJsonArray("choices").getJsonObject(0).getString("text");
    }

    /** Sends every body at once, so that the scheduler decodes them in the same steps. */
    private static List<JsonObject> together(List<String> bodies) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (String body : bodies) {
            sent.add(server.client().sendAsync(server.request("/v1/completions")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<JsonObject> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            HttpResponse<String> done = response.get(60, TimeUnit.SECONDS);
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
            out.add(new JsonObject(done.body()));
        }
        return out;
    }

    @Test
    @Order(1)
    void exactRowsGiveTheFullModelsTokensWhileFastRowsBesideThemExitEarly() throws Exception {
        String[] prompts = {"Once upon a time", "The little dog"};
        List<String> full = new ArrayList<>();
        for (String prompt : prompts) {
            // The server's own plan is the full model here: the reference.
            full.add(server.text(body(prompt, "\"temperature\": 0")));
        }
        List<String> bodies = new ArrayList<>();
        for (String prompt : prompts) {
            bodies.add(body(prompt, "\"temperature\": 0, \"exitstream\": {\"quality\":"
                    + " \"exact\"}"));
            bodies.add(body(prompt, "\"temperature\": 0, \"model\": \""
                    + TestServer.MODEL + ":fast\""));
        }
        List<JsonObject> answers = together(bodies);

        int early = 0;
        for (int p = 0; p < prompts.length; p++) {
            JsonObject exact = answers.get(2 * p);
            JsonObject fast = answers.get(2 * p + 1);
            assertThat(text(exact)).isEqualTo(full.get(p));
            assertThat(exitstream(exact).getString("quality")).isEqualTo("exact");
            assertThat(exitstream(exact).getJsonArray("exit_layers")).containsOnly(LAST_LAYER);
            assertThat(exitstream(fast).getString("quality")).isEqualTo("fast");
            assertThat(exitstream(fast).getLong("plan_version")).isEqualTo(1);
            early += (int) exitstream(fast).getJsonArray("exit_layers").stream()
                    .filter(layer -> (Integer) layer < LAST_LAYER).count();
        }
        assertThat(early).as("tokens of fast rows that left before the last layer")
                .isPositive();
        // Per-token metrics carry the class: fast's exit layers apart from exact's.
        String metrics = server.get("/metrics").body();
        String fastTokens = "exitstream_tokens_generated_total{class=\"fast\",model=\""
                + TestServer.MODEL + "\"} ";
        assertThat(metrics.lines().filter(line -> line.startsWith(fastTokens))
                .mapToDouble(line -> Double.parseDouble(line.substring(fastTokens.length())))
                .sum()).isEqualTo(64);
        assertThat(metrics).contains("exitstream_token_exit_layer_count{class=\"exact\"");
    }

    @Test
    @Order(2)
    void aSwapMovesTheServersPlanButNeverExact() throws Exception {
        String exactBody = body("Once upon a time", "\"temperature\": 1, \"seed\": 11,"
                + " \"exitstream\": {\"quality\": \"exact\"}");
        String before = server.text(exactBody);
        ExecutionPlan fast = ExecutionPlan.parse(Files.readString(ShippedModel.dir()
                .resolve("plans/confidence-0.95.json")), configOf());
        server.server().swapPlan(new ExecutionPlan(5, fast.skippedLayers(), fast.exit()))
                .get(30, TimeUnit.SECONDS);

        JsonObject swapped = server.complete(body("Once upon a time", "\"temperature\": 0"));
        assertThat(exitstream(swapped).getLong("plan_version")).isEqualTo(5);
        assertThat(exitstream(swapped).getString("quality")).isNull();
        assertThat(server.text(exactBody)).isEqualTo(before);
        assertThat(exitstream(server.complete(exactBody)).getJsonArray("exit_layers"))
                .containsOnly(LAST_LAYER);
    }

    @Test
    @Order(3)
    void unknownOrConflictingClassesAreRefusedByName() {
        String[][] cases = {
            {"\"model\": \"" + TestServer.MODEL + ":ultra\"", "model"},
            {"\"exitstream\": {\"quality\": \"ultra\"}", "exitstream.quality"},
            {"\"exitstream\": {\"quality\": 5}", "exitstream.quality"},
            {"\"exitstream\": {\"speed\": 1}", "exitstream.speed"},
            {"\"model\": \"" + TestServer.MODEL + ":fast\", \"exitstream\": {\"quality\":"
                    + " \"exact\"}", "exitstream.quality"},
        };
        for (String[] c : cases) {
            HttpResponse<String> response = server.post("/v1/completions",
                    body("Once", c[0]));
            assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(new JsonObject(response.body()).getJsonObject("error").getString("param"))
                    .as(c[0]).isEqualTo(c[1]);
        }
        assertThat(server.post("/v1/completions", body("Once", "\"model\": \"other:fast\""))
                .statusCode()).isEqualTo(404);
    }

    private static ModelConfig configOf() {
        return ModelFormat.load(ShippedModel.dir()).config();
    }
}
