package io.exitstream.cli;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.KafkaOptions;
import io.exitstream.server.ServerOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;

/**
 * The adaptive loop in one JVM on a test's broker: the server serving the shipped model with
 * telemetry and schedule updates, the re-scheduler beside it (as {@code up} runs it, with the
 * given reschedule flags), and greedy completions over HTTP as traffic.
 */
final class LiveLoop implements AutoCloseable {

    /** The model's name in the API and in telemetry, its directory's. */
    static final String MODEL = ShippedModel.NAME;

    private final String bootstrap;
    private final ExitstreamServer server;
    private final LiveRescheduler rescheduler;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicBoolean traffic = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Thread client;

    private LiveLoop(String bootstrap, ExitstreamServer server, LiveRescheduler rescheduler) {
        this.bootstrap = bootstrap;
        this.server = server;
        this.rescheduler = rescheduler;
        this.client = new Thread(this::drive, "traffic");
    }

    /**
     * Starts server and re-scheduler, then traffic.
     *
     * @param rescheduleFlags as {@code exitstream reschedule} takes them
     */
    static LiveLoop start(String bootstrap, Path stateDir, String... rescheduleFlags)
            throws InterruptedException {
        Path model = ShippedModel.dir();
        Torch.setThreads(1);
        RescheduleOptions options = CommandLine.populateCommand(new RescheduleOptions(
                Duration.ofSeconds(60), Duration.ofSeconds(10), () -> stateDir),
                rescheduleFlags);
        options.check();
        LlamaWeights weights = ModelFormat.load(model);
        // Few, short calibration sequences keep the gate to a second or two.
        LiveRescheduler rescheduler = options.start(MODEL, weights,
                TokenizerFiles.load(model, null, weights.config().vocabSize()), 64,
                LlamaModel.load(weights), bootstrap, new Properties(), new SimpleMeterRegistry());
        ExitstreamServer server;
        try {
            server = ExitstreamServer.start(ServerOptions.of(model, null, "127.0.0.1", 0)
                    .withBatching(4, 64, Duration.ofSeconds(30))
                    .withKafka(KafkaOptions.of(bootstrap).withInfluenceSample(0.25)));
        } catch (RuntimeException e) {
            rescheduler.close();
            throw e;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!server.isReady() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        LiveLoop loop = new LiveLoop(bootstrap, server, rescheduler);
        loop.client.start();
        return loop;
    }

    /** Greedy completions, one after another, until closed; failures are kept. */
    private void drive() {
        while (traffic.get()) {
            HttpResponse<String> reply = complete();
            if (reply != null && reply.statusCode() != 200) {
                failures.add(reply.statusCode() + " " + reply.body());
            }
        }
    }

    /** One greedy completion of 16 tokens; null when interrupted by closing. */
    HttpResponse<String> complete() {
        return send(HttpRequest.newBuilder(uri("/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a time\","
                        + " \"max_tokens\": 16, \"temperature\": 0}")).build());
    }

    /** The plan version a completion reports it ran under. */
    long completionPlanVersion() {
        HttpResponse<String> reply = complete();
        return new JsonObject(reply.body()).getJsonArray("choices").getJsonObject(0)
                .getJsonObject("exitstream").getLong("plan_version");
    }

    /** The server's {@code exitstream_plan_version} gauge. */
    long metricPlanVersion() {
        String metrics = send(HttpRequest.newBuilder(uri("/metrics")).build()).body();
        return metrics.lines().filter(l -> l.startsWith("exitstream_plan_version{"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .mapToLong(v -> Math.round(Double.parseDouble(v))).findFirst()
                .orElseThrow(() -> new AssertionError("no exitstream_plan_version: " + metrics));
    }

    /** Completions that did not get 200 so far. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Reads {@code topic} from its start until a record matches {@code until}. */
    <T> List<T> read(String topic, Deserializer<T> values, Predicate<T> until,
            Duration timeout) {
        return TopicReader.read(bootstrap, topic, values,
                read -> until.test(read.get(read.size() - 1)), timeout);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return traffic.get() ? failed(e) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private HttpResponse<String> failed(IOException e) {
        failures.add(e.toString());
        return null;
    }

    /** Stops traffic, then the server, then the re-scheduler. */
    @Override
    public void close() throws InterruptedException {
        traffic.set(false);
        client.join(30_000);
        server.close();
        rescheduler.close();
    }
}
