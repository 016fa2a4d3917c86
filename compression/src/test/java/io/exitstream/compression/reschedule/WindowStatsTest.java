package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.protos.v1.TokenEvent;
import org.junit.jupiter.api.Test;

class WindowStatsTest {

    @Test
    void sumsExitLayersInfluenceConfidenceAcceptanceAndLatency() {
        WindowStats stats = new WindowStats();
        for (TokenEvent e : Telemetry.fullModelTraffic(0, 10)) {
            stats.add(e);
        }
        // A draft accepted at layer 2 under plan 3, and the correction that replaced two drafts.
        stats.add(Telemetry.token(0, 3, 3, 9).toBuilder().setExitLayer(2).setConfidence(0.75f)
                .setDrafted(1).setAccepted(1).build());
        stats.add(Telemetry.token(0, 3, 5, 9).toBuilder().setDrafted(2).build());

        assertThat(stats.tokens()).isEqualTo(12);
        assertThat(stats.maxPlanVersion()).isEqualTo(3);
        assertThat(stats.exitLayers()).containsEntry(4, 11L).containsEntry(2, 1L);
        assertThat(stats.influence(2).getAsDouble()).isCloseTo(0.05, within(1e-6));
        assertThat(stats.influenceSamples(2)).isEqualTo(5);
        assertThat(stats.meanConfidence()).isEqualTo(0.75);
        assertThat(stats.acceptance().get(3L).rate()).isCloseTo(1 / 3.0, within(1e-9));
        // Speculative tokens stay out of the cost model: 10 plain tokens at 6 ms each.
        assertThat(stats.latencyByDepth()).containsOnlyKeys(5);
        assertThat(stats.latencyByDepth().get(5).mean()).isCloseTo(0.006, within(1e-12));
    }

    @Test
    void layersThatDidNotRunAreNotMeasurements() {
        WindowStats stats = new WindowStats()
                .add(Telemetry.token(0, 1, 4, 5, 0.5f, 0.2f, Float.NaN, 0.1f, 0.7f));

        assertThat(stats.influence(2)).isEmpty();
        assertThat(stats.influenceSamples(2)).isZero();
        assertThat(stats.influence(3).getAsDouble()).isCloseTo(0.1, within(1e-6));
    }

    @Test
    void theStoreSerdeRestoresAnEqualAggregate() {
        WindowStats stats = new WindowStats();
        Telemetry.fullModelTraffic(0, 7).forEach(stats::add);
        WindowStatsSerde serde = new WindowStatsSerde();

        WindowStats restored = serde.deserializer().deserialize("t",
                serde.serializer().serialize("t", stats));

        assertThat(restored).isEqualTo(stats);
        assertThat(restored.add(Telemetry.token(0, 0, 5, 6))).isEqualTo(
                stats.add(Telemetry.token(0, 0, 5, 6)));
    }
}
