package io.exitstream.cli;

import io.exitstream.server.KafkaOptions;
import picocli.CommandLine.Option;

/** How many tokens' telemetry carries block influence: {@code serve --kafka} and {@code up}. */
final class InfluenceSampleOption {

    @Option(names = "--influence-sample", paramLabel = "FRACTION",
            defaultValue = "" + KafkaOptions.DEFAULT_INFLUENCE_SAMPLE,
            description = "With telemetry, the fraction of tokens whose events carry each"
                    + " layer's block influence, which the re-scheduler picks layers to skip by;"
                    + " 0 for none (default: ${DEFAULT-VALUE}).")
    private double fraction;

    /** {@code kafka} with this sampling; null stays null. */
    KafkaOptions apply(KafkaOptions kafka) {
        return kafka == null ? null : kafka.withInfluenceSample(fraction);
    }
}
