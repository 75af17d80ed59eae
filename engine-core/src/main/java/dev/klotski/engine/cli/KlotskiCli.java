package dev.klotski.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code klotski} command line: run the engine alone, without Spark. */
@Command(name = "klotski", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Mixture-of-experts inference with expert offloading.",
        subcommands = {GenerateCommand.class, BenchCommand.class, MakeModelCommand.class,
                CommandLine.HelpCommand.class})
public final class KlotskiCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new KlotskiCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected failures (bad model folder, over-long prompt) get one clear line, not a stack trace.
            cmd.getErr().println("error: " + e.getMessage());
            if (Boolean.getBoolean("klotski.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }
}
