package dev.klotski.engine.api;

/**
 * A snapshot of an engine's counters since it was opened.
 *
 * @param generateCalls       how many times generate was called
 * @param requests            requests served, over all calls
 * @param largestBatch        the most requests one call carried
 * @param promptTokens        prompt tokens processed
 * @param generatedTokens     tokens generated
 * @param expertLookups       expert weight requests made by the MoE layers
 * @param expertHits          of those, how many found the expert already resident on the compute device
 * @param generateNanos       wall time spent inside generate
 * @param weightBytes         bytes of model weights the engine really holds (all formats, off-heap included)
 * @param expertLoads         expert loads into the compute tier (on demand and prefetched)
 * @param expertBytesRead     bytes those loads moved
 * @param expertStallNanos    time compute waited for expert loads
 */
public record EngineMetrics(long generateCalls, long requests, int largestBatch, long promptTokens,
                            long generatedTokens, long expertLookups, long expertHits, long generateNanos,
                            long weightBytes, long expertLoads, long expertBytesRead, long expertStallNanos) {

    /** Counters of an engine that loaded no experts (everything resident). */
    public EngineMetrics(long generateCalls, long requests, int largestBatch, long promptTokens, long generatedTokens,
                         long expertLookups, long expertHits, long generateNanos, long weightBytes) {
        this(generateCalls, requests, largestBatch, promptTokens, generatedTokens, expertLookups, expertHits,
                generateNanos, weightBytes, 0, 0, 0);
    }

    /** Fraction of expert lookups that hit resident weights (1 when nothing is offloaded yet). */
    public double expertHitRate() {
        return expertLookups == 0 ? 1.0 : (double) expertHits / expertLookups;
    }
}
