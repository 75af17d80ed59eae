package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.ExpertTierReport;
import dev.klotski.engine.api.GenerationStats;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.offload.DiskProbe;
import dev.klotski.engine.offload.OffloadFactory;
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
 * size warms up (at least one pass, repeated for {@code --warmup-ms}), then runs {@code --repeats} times; medians
 * are printed.
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

    // C2 needs seconds to compile the vector kernels; a single short warm-up pass left the measured runs half in
    // the interpreter (JFR: fallback vector code in the first 6 s of a run, none after).
    @Option(names = "--warmup-ms", defaultValue = "5000", paramLabel = "MS",
            description = "Warm-up per batch size: one pass, repeated until this long has passed (default ${DEFAULT-VALUE}).")
    long warmupMs;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts.")
    long seed;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "A table, or one JSON object.")
    GenerateCommand.OutputFormat format;

    @Option(names = "--modes", paramLabel = "M1,M2",
            description = "Compare engine designs on the same prompts, one after another: resident, load-on-demand, "
                    + "lru-next-gate, eam, simple-pipeline, klotski (needs --device-budget).")
    String modes;

    @Option(names = "--prompts", defaultValue = "64", paramLabel = "N",
            description = "With --modes: prompts per run (default ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--batch-size", defaultValue = "8", paramLabel = "B",
            description = "With --modes: sequences per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--budgets", split = ",", paramLabel = "B1,B2",
            description = "With --modes: run every offloading mode at each of these device budgets (10%%,25%%,50%%,100%%).")
    String[] budgets;

    @Option(names = "--plot", paramLabel = "DIR",
            description = "With --modes: write PNG charts there (tokens/s per mode; tokens/s against the budget).")
    java.nio.file.Path plot;

    @Override
    public Integer call() throws Exception {
        if (modes != null) {
            return new ModesBenchCommand(this).call();
        }
        if (warmupMs < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--warmup-ms must be 0 or more (0: one warm-up pass per batch size), got " + warmupMs);
        }
        List<ObjectNode> rows = new ArrayList<>();
        String kernels = null;
        ObjectNode weights = JSON.createObjectNode();
        List<String[]> combos = combinations();
        double diskBytesPerSecond = engine.deviceBudget == null ? 0 : DiskProbe.sequentialBytesPerSecond(
                safetensorsFiles(engine.model), 1L << 30);
        try (Progress progress = new Progress("bench", (long) combos.size() * batchSizes.length * (repeats + 1),
                format == GenerateCommand.OutputFormat.json)) {
            long done = 0;
            for (String[] combo : combos) {
                EngineOptions options = engine.toOptions(combo[0], combo[1]);
                if (options.traceFile() != null && combos.size() > 1) { // one trace per combination
                    options = options.withTraceFile(traceFor(options.traceFile(), combo));
                }
                try (KlotskiEngine klotski = KlotskiEngine.open(options)) {
                    kernels = klotski.kernelsName();
                    WeightBytesJson.put(weights, klotski);
                    for (int batch : batchSizes) {
                        List<GenerationRequest> requests = randomRequests(klotski, batch);
                        int warmups = warmUp(klotski, requests); // JIT, page-in, a warm expert cache
                        progress.update(++done);
                        List<List<GenerationResult>> runs = new ArrayList<>();
                        for (int r = 0; r < repeats; r++) {
                            runs.add(klotski.generate(requests));
                            progress.update(++done);
                        }
                        ObjectNode row = row(batch, klotski.options().offloaded() ? combo : null, runs);
                        row.put("warmup_runs", warmups);
                        klotski.expertTier().ifPresent(t -> putTierFigures(row, t));
                        rows.add(row);
                    }
                }
            }
        }
        print(rows, kernels, weights, diskBytesPerSecond);
        return 0;
    }

    /** Runs the requests once, then again until {@link #warmupMs} has passed; returns the number of passes. */
    private int warmUp(KlotskiEngine klotski, List<GenerationRequest> requests) {
        long deadline = System.nanoTime() + warmupMs * 1_000_000L;
        int passes = 0;
        do {
            klotski.generate(requests);
            passes++;
        } while (System.nanoTime() < deadline);
        return passes;
    }

    static List<java.nio.file.Path> safetensorsFiles(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    /** trace.json -> trace-lru-next-gate.json */
    private static java.nio.file.Path traceFor(java.nio.file.Path file, String[] combo) {
        return traceFor(file, combo[0] + "-" + combo[1]);
    }

    /** trace.json -> trace-SUFFIX.json */
    static java.nio.file.Path traceFor(java.nio.file.Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : ".json";
        return file.resolveSibling(stem + "-" + suffix + ext);
    }

    /** Every (policy, prefetcher) pair of the comma lists when offloading; one run otherwise. */
    private List<String[]> combinations() {
        List<String[]> combos = new ArrayList<>();
        if (engine.deviceBudget == null) {
            combos.add(new String[] {engine.policy, engine.prefetch});
            return combos;
        }
        for (String prefetch : engine.prefetch.split(",")) {
            for (String policy : engine.policy.split(",")) {
                combos.add(new String[] {policy.trim(), prefetch.trim()});
            }
        }
        return combos;
    }

    /** Prefetch precision and recall, peak bytes, host hits and per-layer figures: all runs of the engine so far. */
    private static void putTierFigures(ObjectNode row, ExpertTierReport tier) {
        row.put("prefetch_precision", Math.round(tier.prefetchPrecision() * 1000) / 1000.0);
        row.put("prefetch_recall", Math.round(tier.prefetchRecall() * 1000) / 1000.0);
        row.put("peak_device_bytes", tier.peakBytes());
        row.put("host_hits", tier.hostHits());
        ArrayNode layers = row.putArray("layers"); // since the engine opened: warm-up and runs
        for (ExpertTierReport.Layer l : tier.layers()) {
            ObjectNode o = layers.addObject();
            o.put("layer", l.layer());
            o.put("slots", l.slots());
            o.put("hit_rate", Math.round(l.hitRate() * 10000) / 10000.0);
            o.put("demand_loads", l.demandLoads());
            o.put("prefetch_loads", l.prefetchLoads());
            o.put("bytes_read", l.bytesRead());
            o.put("evictions", l.evictions());
            o.put("prefetch_precision", Math.round(l.prefetchPrecision() * 1000) / 1000.0);
            o.put("prefetch_recall", Math.round(l.prefetchRecall() * 1000) / 1000.0);
        }
    }

    /** Medians over the runs of one batch size (and, offloaded, one policy and prefetcher). */
    private static ObjectNode row(int batch, String[] combo, List<List<GenerationResult>> runs) {
        int n = runs.size();
        double[] prefill = new double[n];
        double[] decode = new double[n];
        double[] overall = new double[n];
        double[] hitRate = new double[n];
        double[] bytes = new double[n];
        double[] stall = new double[n];
        double[] loads = new double[n];
        for (int r = 0; r < n; r++) {
            List<GenerationResult> results = runs.get(r);
            GenerationStats s = results.get(0).stats();
            prefill[r] = prefillRate(results);
            decode[r] = decodeRate(results);
            long generated = results.stream().mapToLong(x -> x.outputIds().length).sum();
            overall[r] = generated / ((s.prefillNanos() + s.decodeNanos()) / 1e9);
            hitRate[r] = s.expertLookups() == 0 ? 1.0 : (double) s.expertHits() / s.expertLookups();
            bytes[r] = s.expertBytesRead();
            stall[r] = s.expertStallNanos() / 1e9;
            loads[r] = s.expertLoads();
        }
        ObjectNode row = JSON.createObjectNode();
        row.put("batch_size", batch);
        row.put("prefill_tokens_per_s", round(median(prefill)));
        row.put("decode_tokens_per_s", round(median(decode)));
        row.put("tokens_per_s", round(median(overall)));
        if (combo != null) {
            row.put("policy", combo[0]);
            row.put("prefetch", combo[1]);
            row.put("hit_rate", Math.round(median(hitRate) * 10000) / 10000.0);
            row.put("bytes_read", (long) median(bytes));
            row.put("expert_loads", (long) median(loads));
            row.put("stall_s", Math.round(median(stall) * 1000) / 1000.0);
        }
        return row;
    }

    List<GenerationRequest> randomRequests(KlotskiEngine klotski, int batch) {
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

    private void print(List<ObjectNode> rows, String kernels, ObjectNode weights, double diskBytesPerSecond)
            throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", engine.model.toString());
            root.put("kernels", kernels);
            root.put("prompt_tokens", promptTokens);
            root.put("new_tokens", newTokens);
            root.put("repeats", repeats);
            root.setAll(weights);
            if (engine.deviceBudget != null) {
                root.put("device_budget", engine.deviceBudget);
                if (engine.hostBudget != null) {
                    root.put("host_budget", engine.hostBudget);
                }
                root.put("direct_io", engine.directIo);
                root.put("disk_bytes_per_s", Math.round(diskBytesPerSecond));
            }
            ArrayNode results = root.putArray("results");
            rows.forEach(results::add);
            out.println(JSON.writeValueAsString(root));
        } else {
            out.printf("model %s, kernels %s, %d prompt tokens, %d new tokens, median of %d runs%n",
                    engine.model, kernels, promptTokens, newTokens, repeats);
            out.printf("weights held: %s%n", WeightBytesJson.describe(weights));
            boolean offloaded = engine.deviceBudget != null;
            if (offloaded) {
                out.printf("experts offloaded: device budget %s%s%s; disk reads %.2f GB/s (O_DIRECT, sequential)%n",
                        engine.deviceBudget, engine.hostBudget == null ? "" : ", host budget " + engine.hostBudget,
                        engine.directIo ? ", O_DIRECT" : "", diskBytesPerSecond / 1e9);
                out.printf("%-18s %-12s %6s %10s %10s %10s %8s %12s %9s %9s %9s%n", "prefetch", "policy", "batch",
                        "tokens/s", "prefill/s", "decode/s", "hit rate", "bytes read", "stall s", "precision", "recall");
            } else {
                out.printf("%10s %22s %22s%n", "batch", "prefill tokens/s", "decode tokens/s");
            }
            for (ObjectNode r : rows) {
                if (offloaded) {
                    out.printf("%-18s %-12s %6d %10.1f %10.1f %10.1f %8.3f %12s %9.3f %9.3f %9.3f%n",
                            r.get("prefetch").asText(), r.get("policy").asText(), r.get("batch_size").asInt(),
                            r.get("tokens_per_s").asDouble(), r.get("prefill_tokens_per_s").asDouble(),
                            r.get("decode_tokens_per_s").asDouble(), r.get("hit_rate").asDouble(),
                            OffloadFactory.human(r.get("bytes_read").asLong()), r.get("stall_s").asDouble(),
                            r.get("prefetch_precision").asDouble(), r.get("prefetch_recall").asDouble());
                } else {
                    out.printf("%10d %22.1f %22.1f%n", r.get("batch_size").asInt(),
                            r.get("prefill_tokens_per_s").asDouble(), r.get("decode_tokens_per_s").asDouble());
                }
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
