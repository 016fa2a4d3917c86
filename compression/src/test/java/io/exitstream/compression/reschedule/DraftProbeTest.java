package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DraftProbeTest {

    @Test
    void draftsFromTheLastKeptLayerAreAlwaysAcceptedAndShallowerOnesLessOften() {
        DraftProbe probe = ShippedModelProbe.drafts();
        int last = ShippedModelProbe.model().config().layers() - 1;

        assertThat(probe.rate(List.of(), last)).isEqualTo(1.0);
        assertThat(probe.rate(List.of(), 0)).isLessThan(probe.rate(List.of(), last - 1));
        assertThat(probe.rate(List.of(3), 2)).isBetween(0.0, 1.0);
        assertThat(probe.rate(List.of(2, 3), last)).isEqualTo(1.0);
    }

    @Test
    void aSkippedLayerCannotDraft() {
        assertThat(ShippedModelProbe.drafts().rate(List.of(2), 2)).isNaN();
    }
}
