package dev.klotski.engine.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version Maven wrote into the jar manifest. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = KlotskiCli.class.getPackage().getImplementationVersion();
        return new String[] {"klotski " + (v == null ? "(development build)" : v)};
    }
}
