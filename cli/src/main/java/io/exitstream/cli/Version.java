package io.exitstream.cli;

import io.exitstream.engine.runtime.CpuFeatures;
import picocli.CommandLine.IVersionProvider;

/**
 * The version baked into the jar's manifest by Maven (or "dev" when run from classes), and the
 * CPU the engine found: which paths (bfloat16 weights) this machine can take.
 */
final class Version implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Exitstream.class.getPackage().getImplementationVersion();
        return new String[] {"exitstream " + (version == null ? "dev" : version),
            "cpu: " + CpuFeatures.host().describe()};
    }
}
