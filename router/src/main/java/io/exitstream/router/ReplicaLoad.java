package io.exitstream.router;

/**
 * Reads a replica's own load from its Prometheus metrics: the requests it is running plus
 * those waiting for a batch slot ({@code exitstream_requests_running} and
 * {@code exitstream_requests_waiting}, summed over their labels).
 */
final class ReplicaLoad {

    private static final java.util.Set<String> GAUGES = java.util.Set.of(
            "exitstream_requests_running", "exitstream_requests_waiting");

    private ReplicaLoad() {
    }

    /** The load in {@code metrics}, 0 when neither gauge is there. */
    static int parse(String metrics) {
        double load = 0;
        for (String line : metrics.split("\n")) {
            if (GAUGES.contains(line.split("[{ ]", 2)[0])) {
                load += value(line);
            }
        }
        return (int) Math.round(load);
    }

    private static double value(String line) {
        try {
            return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
