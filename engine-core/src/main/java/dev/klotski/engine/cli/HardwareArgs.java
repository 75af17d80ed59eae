package dev.klotski.engine.cli;

import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.ProbeSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that measure or use a hardware profile: the model and how it would be computed. */
final class HardwareArgs {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HuggingFace model folder (config.json, *.safetensors).")
    Path model;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--batch-invariant", description = "Measure and plan for the fixed-order (batch-invariant) kernels.")
    boolean batchInvariant;

    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** A prober for these options that reports its steps on {@code err}. */
    HardwareProber prober(ProbeSettings settings, PrintWriter err) {
        return new HardwareProber(threads(), batchInvariant, settings, line -> {
            err.println(line);
            err.flush();
        });
    }
}
