package dev.klotski.engine.api;

/**
 * Figures of one generate call. Prefill and decode run for the whole batch at once, so times, batch size and
 * expert counts are the batch's; token counts are this sequence's.
 *
 * @param expertLookups  expert weight requests the batch's MoE layers made
 * @param expertHits     of those, how many found the expert resident (all of them until offloading lands)
 */
public record GenerationStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                              int batchSize, long expertLookups, long expertHits) {

    public double latencySeconds() {
        return (prefillNanos + decodeNanos) / 1e9;
    }
}
