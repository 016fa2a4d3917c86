package io.exitstream.cli;

import picocli.CommandLine.IVersionProvider;

/** The version baked into the jar's manifest by Maven (or "dev" when run from classes). */
final class Version implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Exitstream.class.getPackage().getImplementationVersion();
        return new String[] {"exitstream " + (version == null ? "dev" : version)};
    }
}
