package io.exitstream.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Serves a model over the OpenAI-compatible HTTP API until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over OpenAI-compatible HTTP (/v1/completions, /metrics).")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    private ServingOptions serving;

    @Mixin
    private KafkaOption kafka;

    @Mixin
    private InfluenceSampleOption influenceSample;

    @Override
    public Integer call() throws Exception {
        serving.requireCpuSupport();
        serving.serveUntilStopped("serve", influenceSample.apply(kafka.options()),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> { }, () -> null);
        return 0;
    }
}
