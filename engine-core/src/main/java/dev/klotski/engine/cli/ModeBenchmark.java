package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.PipelineMetrics;
import java.util.List;
import java.util.function.BiFunction;

/**
 * One mode of {@code bench --modes}: opens its engine, warms it up on a few short requests, then runs every
 * prompt in one call (the loop groups them as the mode says) and reports the run's figures from the engine's
 * pipeline metrics: tokens/s over prefill plus decode wall time, prefill and decode rates from the passes'
 * time, compute time (passes less waits), hit rate, bytes read and the bubble fraction (waits over wall).
 */
final class ModeBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModeBenchmark() {
    }

    /**
     * @param requests builds the prompts for an open engine: (engine, count) -> requests; the same seed each time
     */
    static ObjectNode run(BenchModes mode, EngineOptions options, int prompts,
                          BiFunction<KlotskiEngine, Integer, List<GenerationRequest>> requests) {
        try (KlotskiEngine engine = KlotskiEngine.open(options)) {
            int warm = Math.min(prompts, Math.max(1, options.group().batchSize()));
            engine.generate(requests.apply(engine, warm).stream().map(ModeBenchmark::shortened).toList());
            List<GenerationRequest> all = requests.apply(engine, prompts);
            PipelineMetrics before = engine.pipelineMetrics();
            long start = System.nanoTime();
            List<GenerationResult> results = engine.generate(all);
            long wall = System.nanoTime() - start;
            PipelineMetrics span = engine.pipelineMetrics().since(before);
            return row(mode, options, results, wall, span);
        }
    }

    /** Warm-up requests: the same prompts, four new tokens (JIT, page-in, a warm expert cache). */
    private static GenerationRequest shortened(GenerationRequest r) {
        return GenerationRequest.ofIds(r.promptIds(), r.params().withMaxNewTokens(Math.min(4, r.params().maxNewTokens())));
    }

    private static ObjectNode row(BenchModes mode, EngineOptions options, List<GenerationResult> results, long wallNanos,
                                  PipelineMetrics m) {
        long generated = results.stream().mapToLong(r -> r.outputIds().length).sum();
        var loop = m.loop();
        double wall = wallNanos / 1e9;
        GroupOptions g = options.group();
        ObjectNode row = JSON.createObjectNode();
        row.put("mode", mode.label);
        row.put("group_batches", g.batches());
        row.put("batch_size", g.batchSize());
        row.put("largest_group", m.largestGroup());
        row.put("pass_tokens", g.passTokens());
        row.put("policy", options.offloaded() ? options.expertPolicy() : "resident");
        row.put("prefetch", options.offloaded() ? options.prefetch() : "none");
        row.put("overlap", g.overlapIo());
        row.put("tokens_per_s", round(generated / wall));
        row.put("prefill_tokens_per_s", round(rate(loop.promptTokens(), loop.prefillPassNanos())));
        row.put("decode_tokens_per_s", round(rate(loop.decodeTokens(), loop.decodePassNanos())));
        row.put("wall_s", round3(wall));
        row.put("compute_s", round3(m.computeSeconds()));
        row.put("stall_s", round3(m.stallSeconds()));
        row.put("hit_rate", Math.round(m.hitRate() * 10000) / 10000.0);
        row.put("bytes_read", loop.expertBytesRead());
        row.put("expert_loads", loop.expertLoads());
        row.put("bubble_fraction", Math.round(m.stallSeconds() / wall * 10000) / 10000.0);
        row.put("passes", loop.prefillPasses() + loop.decodePasses());
        row.put("generated_tokens", generated);
        return row;
    }

    private static double rate(long tokens, long nanos) {
        return nanos == 0 ? 0 : tokens / (nanos / 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
