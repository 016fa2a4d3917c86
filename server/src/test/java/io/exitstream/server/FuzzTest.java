package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten thousand random and mutated bodies against the completions and chat endpoints (and the
 * tokenizer's): not one answer may be a 5xx, and the server must serve as before afterwards.
 * Seeded, so a failure can be replayed; bounded by a deadline.
 */
class FuzzTest {

    private static final int BODIES = 10_000;
    private static final long DEADLINE_SECONDS = 150;
    private static final long SEED = 20261208L;
    private static final List<String> PATHS = List.of("/v1/completions", "/v1/completions",
            "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize");
    private static final List<String> FIELDS = List.of("model", "prompt", "max_tokens",
            "max_completion_tokens", "temperature", "top_p", "top_k", "min_p",
            "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias",
            "logprobs", "echo", "n", "best_of", "seed", "stop", "stream", "stream_options",
            "ignore_eos", "user", "suffix", "return_tokens_as_token_ids", "messages", "tokens",
            "add_special_tokens", "tools", "");
    /** Valid bodies that mutations start from: they generate one or two tokens at most. */
    private static final List<String> SEEDS = List.of(
            "{\"prompt\": \"Once upon a time\", \"max_tokens\": 1}",
            "{\"prompt\": [1, 2, 3], \"max_tokens\": 2, \"temperature\": 0.5, \"top_k\": 3}",
            "{\"prompt\": [\"a\", \"b\"], \"max_tokens\": 1, \"logprobs\": 2, \"echo\": false}",
            "{\"prompt\": \"x\", \"max_tokens\": 1, \"stream\": true, \"stream_options\":"
                    + " {\"include_usage\": true}, \"logit_bias\": {\"5\": 3}}",
            "{\"prompt\": \"The dog\", \"max_tokens\": 2, \"n\": 2, \"seed\": 3, \"min_p\": 0.1,"
                    + " \"repetition_penalty\": 1.2, \"stop\": [\"a\"]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
            "{\"prompt\": \"a b c\"}", "{\"tokens\": [5, 6, 7]}");

    @Test
    @Timeout(value = DEADLINE_SECONDS + 60, unit = TimeUnit.SECONDS)
    void noBodyMakesTheServerFail() throws Exception {
        try (TestServer server = TestServer.start(options -> options)) {
            Random random = new Random(SEED);
            Semaphore inFlight = new Semaphore(16);
            AtomicInteger answered = new AtomicInteger();
            Map<Integer, String> serverErrors = new ConcurrentHashMap<>();
            Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            int sent = 0;
            for (; sent < BODIES && System.nanoTime() < deadline; sent++) {
                byte[] body = body(random);
                String path = PATHS.get(random.nextInt(PATHS.size()));
                String type = random.nextInt(20) == 0 ? "text/plain" : "application/json";
                inFlight.acquire();
                String shown = new String(body, StandardCharsets.UTF_8);
                server.client().sendAsync(server.request(path).header("Content-Type", type)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString())
                        .whenComplete((response, failure) -> {
                            int status = failure != null ? -1 : response.statusCode();
                            byStatus.computeIfAbsent(status, s -> new AtomicInteger())
                                    .incrementAndGet();
                            if (status < 0 || status >= 500) {
                                serverErrors.put(status, path + " " + shown + " -> "
                                        + (failure != null ? failure : response.body()));
                            }
                            answered.incrementAndGet();
                            inFlight.release();
                        });
            }
            assertThat(inFlight.tryAcquire(16, 60, TimeUnit.SECONDS)).isTrue();

            assertThat(serverErrors).as("5xx answers or failed exchanges").isEmpty();
            assertThat(sent).as("bodies sent before the deadline; by status " + byStatus)
                    .isEqualTo(BODIES);
            assertThat(answered.get()).isEqualTo(BODIES);
            assertThat(byStatus).containsKeys(200, 400);
            assertThat(server.get("/health/ready").statusCode()).isEqualTo(200);
            assertThat(server.text("{\"prompt\": \"Once upon a time\", \"max_tokens\": 3}"))
                    .isNotNull();
        }
    }

    /** A seed body mutated, or a random object of known and unknown fields. */
    private static byte[] body(Random random) {
        if (random.nextBoolean()) {
            return mutate(SEEDS.get(random.nextInt(SEEDS.size())).getBytes(
                    StandardCharsets.UTF_8), random);
        }
        JsonObject json = new JsonObject();
        int fields = random.nextInt(6);
        for (int i = 0; i < fields; i++) {
            json.put(FIELDS.get(random.nextInt(FIELDS.size())), value(random, 0));
        }
        if (random.nextInt(3) > 0) {
            json.put("prompt", random.nextBoolean() ? "Once" : value(random, 0));
        }
        // Most valid bodies stay short to generate; some keep a random budget.
        if (random.nextInt(4) > 0) {
            json.put("max_tokens", random.nextInt(3));
        }
        return json.encode().getBytes(StandardCharsets.UTF_8);
    }

    private static Object value(Random random, int depth) {
        return switch (random.nextInt(depth > 1 ? 9 : 11)) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> random.nextInt(41) - 20;
            case 3 -> random.nextLong();
            case 4 -> Math.pow(10, random.nextInt(120) - 60) * (random.nextBoolean() ? 1 : -1);
            case 5 -> random.nextDouble() * 4 - 2;
            case 6 -> List.of("", "high", "Once", "token_id:1", "\u0000", "\ud83d\ude42",
                    "exitstream-stories-8L", "48").get(random.nextInt(8));
            case 7 -> "x".repeat(random.nextInt(3000));
            case 8 -> random.nextBoolean() ? Double.MAX_VALUE : Long.MIN_VALUE;
            case 9 -> {
                JsonArray array = new JsonArray();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(value(random, depth + 1));
                }
                yield array;
            }
            default -> {
                JsonObject object = new JsonObject();
                for (int i = random.nextInt(3); i > 0; i--) {
                    object.put(random.nextBoolean() ? String.valueOf(random.nextInt(3000))
                            : FIELDS.get(random.nextInt(FIELDS.size())), value(random, depth + 1));
                }
                yield object;
            }
        };
    }

    /** Byte flips, deletions, insertions of JSON punctuation, or a cut. */
    private static byte[] mutate(byte[] body, Random random) {
        byte[] out = body.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && out.length > 1; i++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(4)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out[at] = (byte) "{}[]\":,0123456789-e.tn".charAt(random.nextInt(22));
                case 2 -> {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                }
                default -> out = java.util.Arrays.copyOf(out, at);
            }
        }
        return out;
    }
}
