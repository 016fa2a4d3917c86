package io.exitstream.cli;

import io.exitstream.engine.runtime.Torch;
import picocli.CommandLine.Option;

/** PyTorch's thread count for offline jobs that run a model op by op (prune, distill). */
final class ThreadsOption {

    @Option(names = "--threads", defaultValue = "1",
            description = "PyTorch threads (default: ${DEFAULT-VALUE}: small models run op by op"
                    + " fastest on one; a second thread pays only on a quiet machine).")
    private int threads;

    void apply() {
        Torch.setThreads(threads);
    }
}
