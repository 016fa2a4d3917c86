package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LineChartTest {

    private static String[] labels(double... values) {
        LineChart.Range range = LineChart.Range.of(values);
        return Arrays.stream(range.ticks()).mapToObj(range::label).toArray(String[]::new);
    }

    @Test
    void ticksFallOnRoundValuesInsideThePaddedExtent() {
        // A training curve: steps 0 to 1,400 used to be marked -68.90, 315.6, 700.0, ...
        assertThat(labels(0, 1400)).containsExactly("0", "500", "1000");
        assertThat(labels(2.6, 7.65)).containsExactly("3", "4", "5", "6", "7");
        assertThat(labels(0.95, 0.964)).containsExactly("0.950", "0.955", "0.960");
        assertThat(labels(-0.3, 0.3)).containsExactly("-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3");
    }

    @Test
    void aSingleValueStillGetsATick() {
        assertThat(labels(5, 5)).containsExactly("4.8", "4.9", "5.0", "5.1", "5.2");
    }
}
