package dev.klotski.engine.api;

import dev.klotski.engine.model.layers.ExpertWeights;
import java.util.List;

/** Running totals behind {@link EngineMetrics}; updated under the engine's lock, read from any thread. */
final class EngineCounters {
    private long generateCalls;
    private long requests;
    private int largestBatch;
    private long promptTokens;
    private long generatedTokens;
    private long generateNanos;

    synchronized void record(List<GenerationResult> results, long nanos) {
        generateCalls++;
        requests += results.size();
        largestBatch = Math.max(largestBatch, results.size());
        for (GenerationResult r : results) {
            promptTokens += r.promptIds().length;
            generatedTokens += r.outputIds().length;
        }
        generateNanos += nanos;
    }

    synchronized EngineMetrics snapshot(ExpertWeights experts, long weightBytes) {
        return new EngineMetrics(generateCalls, requests, largestBatch, promptTokens, generatedTokens,
                experts.lookups(), experts.hits(), generateNanos, weightBytes);
    }
}
