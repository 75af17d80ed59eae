package dev.klotski.engine.api;

import java.util.List;

/** Running totals behind {@link EngineMetrics}; updated under the engine's lock, read from any thread. */
final class EngineCounters {
    private long generateCalls;
    private long requests;
    private int largestBatch;
    private long promptTokens;
    private long generatedTokens;
    private long generateNanos;
    private long expertLookups;
    private long expertHits;
    private long expertLoads;
    private long expertBytesRead;
    private long expertStallNanos;

    synchronized void record(List<GenerationResult> results, long nanos) {
        generateCalls++;
        requests += results.size();
        largestBatch = Math.max(largestBatch, results.size());
        for (GenerationResult r : results) {
            promptTokens += r.promptIds().length;
            generatedTokens += r.outputIds().length;
        }
        generateNanos += nanos;
        if (!results.isEmpty()) { // expert figures are the batch's, the same in every result
            GenerationStats s = results.get(0).stats();
            expertLookups += s.expertLookups();
            expertHits += s.expertHits();
            expertLoads += s.expertLoads();
            expertBytesRead += s.expertBytesRead();
            expertStallNanos += s.expertStallNanos();
        }
    }

    synchronized EngineMetrics snapshot(long weightBytes) {
        return new EngineMetrics(generateCalls, requests, largestBatch, promptTokens, generatedTokens,
                expertLookups, expertHits, generateNanos, weightBytes, expertLoads, expertBytesRead, expertStallNanos);
    }
}
