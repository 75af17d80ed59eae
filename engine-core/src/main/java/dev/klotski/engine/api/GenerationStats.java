package dev.klotski.engine.api;

/**
 * Figures of one generate call. Prefill and decode run for the whole batch at once, so times, batch size and
 * expert counts are the batch's; token counts are this sequence's.
 *
 * @param expertLookups  expert weight requests the batch's MoE layers made
 * @param expertHits     of those, how many found the expert resident (all of them without offloading)
 * @param expertLoads    expert loads into the compute tier, on demand and prefetched
 * @param expertBytesRead bytes those loads moved
 * @param expertStallNanos time compute waited for expert loads
 */
public record GenerationStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                              int batchSize, long expertLookups, long expertHits, long expertLoads,
                              long expertBytesRead, long expertStallNanos) {

    /** Figures of a batch that loaded no experts (everything resident). */
    public GenerationStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos, int batchSize,
                           long expertLookups, long expertHits) {
        this(promptTokens, generatedTokens, prefillNanos, decodeNanos, batchSize, expertLookups, expertHits, 0, 0, 0);
    }

    public double latencySeconds() {
        return (prefillNanos + decodeNanos) / 1e9;
    }
}
