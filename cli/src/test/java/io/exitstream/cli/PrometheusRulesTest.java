package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code promtool check rules} and {@code promtool test rules} on {@code grafana/rules}, and
 * every alert has a unit test there. Skipped, saying so, where no {@code promtool} is installed
 * (Debian's prometheus package has it; {@code .ci/run} installs it).
 */
@Timeout(120)
class PrometheusRulesTest {

    private Path promtool;
    private Path rules;

    @BeforeEach
    void findPromtool() {
        promtool = PrometheusQueriesTest.onPath("promtool");
        assumeTrue(promtool != null, "skipped: no promtool on the PATH (Debian: apt-get install"
                + " prometheus; .ci/run does)");
        rules = UpProcess.checkout().resolve("grafana/rules");
    }

    @Test
    void rulesAreValid() throws Exception {
        assertThat(promtool("check", "rules", "exitstream.rules.yml")).contains("SUCCESS");
    }

    @Test
    void alertsFireAsTheirUnitTestsSay() throws Exception {
        assertThat(promtool("test", "rules", "exitstream.rules.test.yml")).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTest() throws IOException {
        Set<String> alerts = names(Pattern.compile("- alert: (\\w+)"), "exitstream.rules.yml");
        Set<String> tested = names(Pattern.compile("alertname: (\\w+)"),
                "exitstream.rules.test.yml");

        assertThat(alerts).hasSizeGreaterThanOrEqualTo(5).isEqualTo(tested);
    }

    private Set<String> names(Pattern pattern, String file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = pattern.matcher(Files.readString(rules.resolve(file)));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Runs promtool in the rules directory; fails with its output unless it exits 0. */
    private String promtool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = promtool.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).directory(rules.toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as("promtool %s:%n%s", String.join(" ", args), output)
                .isZero();
        return output;
    }
}
