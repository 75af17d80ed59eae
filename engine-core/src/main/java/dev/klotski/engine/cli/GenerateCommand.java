package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.GenerationStats;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.PlannedGroup;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.api.TokenLogprob;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code klotski generate}: complete one prompt and print the text or a JSON object. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a completion for one prompt.")
final class GenerateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    EngineArgs engine;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (tokenized, BOS added as the model says).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",",
                description = "Comma-separated prompt token ids, used as given (no BOS added).")
        int[] ids;
    }

    @Mixin
    SamplingArgs sampling;

    @Mixin
    ChatArgs chat;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "Output: the generated text, or one JSON object with ids, text, top_logprobs and stats.")
    OutputFormat format;

    enum OutputFormat { text, json }

    @Override
    public Integer call() throws Exception {
        SamplingParams params = sampling.toParams();
        if (prompt.ids != null && (chat.chat || chat.system != null)) {
            throw new IllegalArgumentException("--chat and --system format prompt text: use --prompt, not --prompt-ids");
        }
        GenerationRequest request = prompt.ids != null
                ? GenerationRequest.ofIds(prompt.ids, params)
                : chat.apply(GenerationRequest.ofText(prompt.text, params));
        GenerationResult result;
        String kernels;
        ObjectNode weights = JSON.createObjectNode();
        PlannedGroup.Hint hint = prompt.ids != null ? new PlannedGroup.Hint(1, prompt.ids.length, params.maxNewTokens())
                : PlannedGroup.Hint.fromPrompts(1, List.of(prompt.text), params.maxNewTokens());
        try (KlotskiEngine klotski = KlotskiEngine.open(engine.plannedOptions(hint, spec.commandLine().getErr()))) {
            result = klotski.generate(List.of(request)).get(0);
            kernels = klotski.kernelsName();
            WeightBytesJson.put(weights, klotski);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == OutputFormat.json) {
            ObjectNode json = toJson(result);
            ObjectNode stats = (ObjectNode) json.get("stats");
            stats.put("kernels", kernels); // bits differ between kernel families
            stats.setAll(weights);
            out.println(JSON.writeValueAsString(json));
        } else {
            out.println(result.text());
        }
        out.flush();
        return 0;
    }

    static ObjectNode toJson(GenerationResult r) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode promptIds = root.putArray("prompt_token_ids");
        Arrays.stream(r.promptIds()).forEach(promptIds::add);
        ArrayNode outputIds = root.putArray("output_token_ids");
        Arrays.stream(r.outputIds()).forEach(outputIds::add);
        root.put("text", r.text());
        root.put("finish_reason", r.finishReason().label());
        ArrayNode top = root.putArray("top_logprobs");
        for (List<TokenLogprob> position : r.topLogprobs()) {
            ArrayNode candidates = top.addArray();
            for (TokenLogprob t : position) {
                candidates.addObject().put("id", t.id()).put("logprob", t.logprob());
            }
        }
        GenerationStats s = r.stats();
        ObjectNode stats = root.putObject("stats");
        stats.put("prompt_tokens", s.promptTokens());
        stats.put("generated_tokens", s.generatedTokens());
        stats.put("prefill_tokens_per_s", rate(s.promptTokens(), s.prefillNanos()));
        // The first token comes from the prefill logits; decode produces the rest.
        stats.put("decode_tokens_per_s", rate(Math.max(0, s.generatedTokens() - 1), s.decodeNanos()));
        stats.put("expert_lookups", s.expertLookups());
        stats.put("expert_hits", s.expertHits());
        stats.put("expert_loads", s.expertLoads());
        stats.put("expert_bytes_read", s.expertBytesRead());
        stats.put("expert_stall_s", Math.round(s.expertStallNanos() / 1e6) / 1000.0);
        return root;
    }

    private static double rate(long tokens, long nanos) {
        return nanos == 0 ? 0 : Math.round(tokens / (nanos / 1e9) * 100) / 100.0;
    }
}
