package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    private static final String STATUS = "loss 2.667 (last layer 2.665), lr 0.00123, 3235 tok/s,"
            + " and enough more words to run well past a terminal's eighty columns";

    private static String run(boolean terminal) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(
                new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
        progress.begin("train", 10);
        progress.extra(STATUS);
        for (int i = 0; i < 10; i++) {
            progress.step();
        }
        progress.end();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLogGetsWholePlainLinesWithTheWholeStatus() {
        String log = run(false);
        assertThat(log).doesNotContain("\r").doesNotContain("\u001b").endsWith("\n");
        assertThat(lastLine(log))
                .contains("train").contains("10/10").contains(STATUS);
    }

    @Test
    void aResumedJobCountsOnFromItsCheckpointAndTimesOnlyThisRunsSteps() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(
                new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        progress.resume("train", 1000, 900);
        Thread.sleep(1100);
        progress.step();
        progress.end();
        String last = lastLine(bytes.toString(StandardCharsets.UTF_8));
        assertThat(last).contains("901/1000");
        // One step in this run took a second, so 99 more take over a minute and a half; timed
        // over the 900 steps of the earlier run as well, the bar would say none is left.
        Matcher times = Pattern.compile("\\((\\d+):(\\d\\d):(\\d\\d) / (\\d+):(\\d\\d):(\\d\\d)\\)")
                .matcher(last);
        assertThat(times.find()).as(last).isTrue();
        int left = Integer.parseInt(times.group(4)) * 3600 + Integer.parseInt(times.group(5)) * 60
                + Integer.parseInt(times.group(6));
        assertThat(left).as(last).isBetween(90, 600);
    }

    @Test
    void aTerminalGetsABarRedrawnInPlace() {
        assertThat(run(true)).contains("\r").contains("10/10");
    }

    private static String lastLine(String log) {
        return log.lines().reduce((first, second) -> second).orElseThrow();
    }
}
