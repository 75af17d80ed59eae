package dev.klotski.engine.cli;

import dev.klotski.engine.modelgen.ModelSpec;
import dev.klotski.engine.modelgen.RandomModelWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code klotski make-model}: write a random-weight model in HuggingFace format. */
@Command(name = "make-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight MoE model (BF16 safetensors, config.json, tokenizer.json), reproducible from the seed.")
final class MakeModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--arch", defaultValue = "mixtral", paramLabel = "ARCH", description = "mixtral, qwen3_moe, qwen2_moe or olmoe (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--layers", defaultValue = "4", description = "Decoder layers (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "256", description = "Hidden size (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--heads", defaultValue = "0", description = "Attention heads (default hidden/64, at least 2).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "0", description = "Key/value heads (default heads/2, at least 1).")
    int kvHeads;

    @Option(names = "--experts", defaultValue = "8", description = "Routed experts per layer (default ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--top-k", defaultValue = "2", description = "Experts per token (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--intermediate", defaultValue = "0", description = "Inner width of an expert (default 2.75 x hidden).")
    int intermediate;

    @Option(names = "--vocab", defaultValue = "2048", description = "Tokenizer vocabulary size (default ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--context", defaultValue = "4096", description = "max_position_embeddings (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--seed", defaultValue = "1", description = "Seed; the same seed writes the same bytes (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write (created if needed).")
    Path out;

    @Option(names = "--quiet", description = "No progress display.")
    boolean quiet;

    @Override
    public Integer call() {
        int h = heads > 0 ? heads : Math.max(2, hidden / 64);
        int kv = kvHeads > 0 ? kvHeads : Math.max(1, h / 2);
        int inter = intermediate > 0 ? intermediate : Math.max(1, (int) Math.round(hidden * 2.75));
        ModelSpec model = new ModelSpec(arch, layers, hidden, h, kv, experts, topK, inter, vocab, context, seed);
        try (Progress progress = new Progress("writing " + out, model.parameterCount(), quiet)) {
            new RandomModelWriter(model).write(out, progress::update);
        }
        spec.commandLine().getOut().printf("wrote %s model (%,d parameters) to %s%n", arch, model.parameterCount(), out);
        return 0;
    }
}
