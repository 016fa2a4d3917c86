package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A server started with a plan reports it, and takes a new one between steps. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlanServingTest {

    /** Drafts at layer 2, verified by layers 3 to 7: greedy text is the full model's. */
    private static final String SPECULATIVE = "{\"version\": 3, \"skipped_layers\": [],"
            + " \"exit\": {\"type\": \"self_speculative\", \"exit_layer\": 2,"
            + " \"draft_tokens\": 2}}";
    private static final String GREEDY = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40,"
            + " \"temperature\": 0";

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(options -> options
                .withBatching(2, 8, Duration.ofSeconds(30))
                .withPlan(config -> ExecutionPlan.parse(SPECULATIVE, config)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void theStartingPlanIsInForceAndReported() {
        Completion json = Completion.ofJson(server.post("/v1/completions", GREEDY + "}").body());
        Completion stream = Completion.ofStream(server.post("/v1/completions",
                GREEDY + ", \"stream\": true}").body());

        assertThat(server.metric("exitstream_plan_version")).isEqualTo(3.0);
        assertThat(json.planVersion()).isEqualTo(3);
        assertThat(stream.planVersion()).isEqualTo(3);
        // Accepted drafts left at layer 2, the verifier's corrections at the last layer.
        assertThat(json.exitLayers()).hasSize(40).contains(2, 7).containsOnly(2, 7);
        assertThat(stream.text()).isEqualTo(json.text());
    }

    @Test
    @Order(2)
    void aSwappedPlanAppliesToTheRequestsAfterIt() throws Exception {
        String before = Completion.ofJson(server.post("/v1/completions", GREEDY + "}").body())
                .text();

        server.server().swapPlan(new ExecutionPlan(4, List.of(), new ExitPolicy.None()))
                .get(10, TimeUnit.SECONDS);

        Completion after = Completion.ofStream(server.post("/v1/completions",
                GREEDY + ", \"stream\": true}").body());
        assertThat(server.metric("exitstream_plan_version")).isEqualTo(4.0);
        assertThat(after.planVersion()).isEqualTo(4);
        assertThat(after.exitLayers()).hasSize(40).containsOnly(7);
        assertThat(after.text()).isEqualTo(before);
    }
}
