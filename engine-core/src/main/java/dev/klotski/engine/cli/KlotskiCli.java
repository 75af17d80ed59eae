package dev.klotski.engine.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code klotski} command line: run the engine alone, without Spark. */
@Command(name = "klotski", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Mixture-of-experts inference with expert offloading.",
        subcommands = {GenerateCommand.class, BatchCommand.class, BenchCommand.class, MakeModelCommand.class,
                QuantizeCommand.class, CompareCommand.class, ProfileCommand.class, ReplayCommand.class,
                ProfileHwCommand.class, PlanCommand.class, CommandLine.HelpCommand.class})
public final class KlotskiCli {

    public static void main(String[] args) {
        quietThirdPartyLogs();
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line with the given output streams and returns its exit code (tests call this). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new KlotskiCli());
        cli.setOut(out);
        cli.setErr(err);
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

    /**
     * DJL warns that it finds no CUDA driver on every CPU machine, which is expected here and only noise on a
     * terminal. Set before the first logger is created; a user's own -D settings win.
     */
    private static void quietThirdPartyLogs() {
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl", System.getProperty("org.slf4j.simpleLogger.log.ai.djl", "error"));
        System.setProperty("org.slf4j.simpleLogger.logFile", System.getProperty("org.slf4j.simpleLogger.logFile", "System.err"));
    }
}
