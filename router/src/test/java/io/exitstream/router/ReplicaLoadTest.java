package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A server's metrics, as Micrometer writes them, read as running plus waiting requests. */
class ReplicaLoadTest {

    @Test
    void sumsRunningAndWaitingAndNothingElse() {
        String metrics = """
                # HELP exitstream_requests_running \s
                # TYPE exitstream_requests_running gauge
                exitstream_requests_running{model="exitstream-stories-8L"} 3.0
                # HELP exitstream_requests_waiting \s
                # TYPE exitstream_requests_waiting gauge
                exitstream_requests_waiting{model="exitstream-stories-8L"} 12.0
                exitstream_requests_running_total{model="x"} 99.0
                exitstream_request_duration_seconds_count{model="x"} 7
                """;
        assertThat(ReplicaLoad.parse(metrics)).isEqualTo(15);
        assertThat(ReplicaLoad.parse("")).isZero();
    }
}
