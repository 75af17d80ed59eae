package dev.klotski.engine.cli;

import dev.klotski.engine.api.EngineOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that opens an engine. */
final class EngineArgs {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HuggingFace model folder (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--batch-invariant",
            description = "Fixed-order kernels: a row's logits never depend on what else is in its batch (slower).")
    boolean batchInvariant;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    EngineOptions toOptions() {
        EngineOptions.Builder b = EngineOptions.builder(model).optBatchInvariant(batchInvariant);
        if (threads != null) {
            b.optThreads(threads);
        }
        return b.build();
    }
}
