package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.ModelComparison;
import dev.klotski.engine.generate.LogitAgreement;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code klotski compare}: how closely a model (say, a quantized one) follows a reference model. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare a model's next-token distributions with a reference's on text the reference generates greedily (same top-1, KL divergence, top-5 log-probability differences).")
final class CompareCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    EngineArgs engine;

    @Option(names = "--reference", required = true, paramLabel = "DIR", description = "The reference model folder (e.g. the unquantized original).")
    Path reference;

    @Option(names = "--prompts", paramLabel = "FILE", description = "One prompt per line, or JSONL with a \"prompt\" field (default: a bundled set of 8 English prompts). Prompts are tokenized raw, without a chat template.")
    Path prompts;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "N", description = "Tokens the reference generates per prompt (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Output: a short table, or one JSON object.")
    GenerateCommand.OutputFormat format;

    @Override
    public Integer call() throws Exception {
        List<String> texts = prompts == null ? PromptFile.bundled() : PromptFile.read(prompts);
        EngineOptions modelOptions = engine.toOptions();
        EngineOptions referenceOptions = modelOptions.withModelDir(reference);
        LogitAgreement.Summary s;
        try (KlotskiEngine ref = KlotskiEngine.open(referenceOptions);
             KlotskiEngine model = KlotskiEngine.open(modelOptions)) {
            s = ModelComparison.compare(model, ref, texts, newTokens);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("model", engine.model.toString());
            o.put("reference", reference.toString());
            o.put("prompts", texts.size());
            o.put("new_tokens", newTokens);
            o.put("positions", s.positions());
            o.put("same_top1", s.sameTop1());
            o.put("mean_kl", s.meanKl());
            o.put("max_kl", s.maxKl());
            o.put("max_top5_logprob_diff", s.maxTop5LogprobDiff());
            out.println(JSON.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "model                  %s%n", engine.model);
            out.printf(Locale.ROOT, "reference              %s%n", reference);
            out.printf(Locale.ROOT, "prompts                %d (%d positions)%n", texts.size(), s.positions());
            out.printf(Locale.ROOT, "same top-1             %.4f%n", s.sameTop1());
            out.printf(Locale.ROOT, "mean KL(ref || model)  %.6g%n", s.meanKl());
            out.printf(Locale.ROOT, "max KL                 %.6g%n", s.maxKl());
            out.printf(Locale.ROOT, "max top-5 |dlogprob|   %.6g%n", s.maxTop5LogprobDiff());
        }
        out.flush();
        return 0;
    }
}
