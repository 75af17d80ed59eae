package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code klotski bench}: prefill and decode throughput for several batch sizes on random prompts. Each batch
 * size runs once to warm up, then {@code --repeats} times; medians are printed.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure prefill and decode tokens/s per batch size.")
final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    EngineArgs engine;

    @Option(names = "--batch-sizes", defaultValue = "1,8,32", split = ",", description = "Batch sizes (default ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Tokens per prompt (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens generated per prompt (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Measured runs per batch size (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts.")
    long seed;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "A table, or one JSON object.")
    GenerateCommand.OutputFormat format;

    @Override
    public Integer call() throws Exception {
        List<ObjectNode> rows = new ArrayList<>();
        String kernels;
        ObjectNode weights = JSON.createObjectNode();
        try (KlotskiEngine klotski = KlotskiEngine.open(engine.toOptions());
             Progress progress = new Progress("bench", (long) batchSizes.length * (repeats + 1),
                     format == GenerateCommand.OutputFormat.json)) {
            kernels = klotski.kernelsName();
            WeightBytesJson.put(weights, klotski);
            long done = 0;
            for (int batch : batchSizes) {
                List<GenerationRequest> requests = randomRequests(klotski, batch);
                double[] prefill = new double[repeats];
                double[] decode = new double[repeats];
                klotski.generate(requests); // warm-up: JIT and page-in
                progress.update(++done);
                for (int r = 0; r < repeats; r++) {
                    List<GenerationResult> results = klotski.generate(requests);
                    prefill[r] = prefillRate(results);
                    decode[r] = decodeRate(results);
                    progress.update(++done);
                }
                ObjectNode row = JSON.createObjectNode();
                row.put("batch_size", batch);
                row.put("prefill_tokens_per_s", round(median(prefill)));
                row.put("decode_tokens_per_s", round(median(decode)));
                rows.add(row);
            }
        }
        print(rows, kernels, weights);
        return 0;
    }

    private List<GenerationRequest> randomRequests(KlotskiEngine klotski, int batch) {
        // Ids above the specials stand in for text: throughput does not depend on what the tokens say.
        int vocab = klotski.modelConfig().vocabSize();
        SplittableRandom random = new SplittableRandom(seed);
        SamplingParams params = new SamplingParams(newTokens, 0f, 0, 1f, 0, List.of(), 0);
        List<GenerationRequest> requests = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            int[] ids = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) {
                ids[i] = randomOrdinaryToken(klotski, random, vocab);
            }
            requests.add(GenerationRequest.ofIds(ids, params));
        }
        return requests;
    }

    /** A random id that is not a special token (a generated tokenizer may reserve most of a large vocab). */
    private static int randomOrdinaryToken(KlotskiEngine klotski, SplittableRandom random, int vocab) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int id = random.nextInt(vocab);
            if (!klotski.tokenizer().isSpecial(id)) {
                return id;
            }
        }
        return random.nextInt(vocab);
    }

    private static double prefillRate(List<GenerationResult> results) {
        long tokens = results.stream().mapToLong(r -> r.promptIds().length).sum();
        return tokens / (results.get(0).stats().prefillNanos() / 1e9);
    }

    private static double decodeRate(List<GenerationResult> results) {
        long tokens = results.stream().mapToLong(r -> Math.max(0, r.outputIds().length - 1)).sum();
        long nanos = results.get(0).stats().decodeNanos();
        return nanos == 0 ? 0 : tokens / (nanos / 1e9);
    }

    private void print(List<ObjectNode> rows, String kernels, ObjectNode weights) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", engine.model.toString());
            root.put("kernels", kernels);
            root.put("prompt_tokens", promptTokens);
            root.put("new_tokens", newTokens);
            root.put("repeats", repeats);
            root.setAll(weights);
            ArrayNode results = root.putArray("results");
            rows.forEach(results::add);
            out.println(JSON.writeValueAsString(root));
        } else {
            out.printf("model %s, kernels %s, %d prompt tokens, %d new tokens, median of %d runs%n",
                    engine.model, kernels, promptTokens, newTokens, repeats);
            out.printf("weights held: %s%n", WeightBytesJson.describe(weights));
            out.printf("%10s %22s %22s%n", "batch", "prefill tokens/s", "decode tokens/s");
            for (ObjectNode r : rows) {
                out.printf("%10d %22.1f %22.1f%n", r.get("batch_size").asInt(),
                        r.get("prefill_tokens_per_s").asDouble(), r.get("decode_tokens_per_s").asDouble());
            }
        }
        out.flush();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
