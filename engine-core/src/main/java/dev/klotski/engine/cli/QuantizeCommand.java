package dev.klotski.engine.cli;

import dev.klotski.engine.model.QuantizationScheme;
import dev.klotski.engine.model.quantize.ModelQuantizer;
import dev.klotski.engine.tensor.WeightFormat;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code klotski quantize}: write a copy of a model folder with group-quantized expert (and dense) weights. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Write a copy of a model folder with its routed experts in int8 or int4 (one f16 scale per group of inputs).")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HuggingFace model folder to quantize.")
    Path model;

    @Option(names = "--experts", required = true, paramLabel = "int8|int4", description = "Format of the routed experts' matrices.")
    String experts;

    @Option(names = "--dense", defaultValue = "bf16", paramLabel = "bf16|int8",
            description = "Format of every other weight matrix: attention, embeddings, LM head, dense MLPs, shared experts (default ${DEFAULT-VALUE}). Routers and norms stay as stored.")
    String dense;

    @Option(names = "--group", defaultValue = "" + WeightFormat.DEFAULT_GROUP, paramLabel = "G",
            description = "Inputs per scale; must divide every quantized input dimension (default ${DEFAULT-VALUE}).")
    int group;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write (must not exist or be empty).")
    Path out;

    @Option(names = "--quiet", description = "No progress display.")
    boolean quiet;

    @Override
    public Integer call() {
        QuantizationScheme scheme;
        try {
            scheme = QuantizationScheme.of(experts, dense, group);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--experts/--dense/--group: " + e.getMessage(), e);
        }
        ModelQuantizer.Result r;
        try (Progress progress = new Progress("quantizing " + model, 0, quiet)) {
            r = new ModelQuantizer(scheme).quantize(model, out, progress::update);
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s to %s: %d of %d tensors quantized, %.1f MiB -> %.1f MiB in %d file%s%n",
                scheme, out, r.quantizedWeights(), r.tensors(), r.sourceBytes() / MIB, r.writtenBytes() / MIB, r.shards(),
                r.shards() == 1 ? "" : "s");
        return 0;
    }

    private static final double MIB = 1024.0 * 1024;
}
