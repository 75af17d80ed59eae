package dev.klotski.engine.generate;

/**
 * Figures of one generate call. Prefill and decode run for the whole batch at once, so times, batch size and
 * expert counts are the batch's; token counts are this sequence's.
 *
 * @param expertLookups  expert weight requests the batch's MoE layers made
 * @param expertHits     of those, how many found the expert resident (all of them until offloading lands)
 */
public record GenerationStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                              int batchSize, long expertLookups, long expertHits) {

    /** Prompt tokens of the whole batch per second of prefill, as measured for the batch this row ran in. */
    public double prefillTokensPerSecond(int batchPromptTokens) {
        return prefillNanos == 0 ? 0 : batchPromptTokens / (prefillNanos / 1e9);
    }

    public double latencySeconds() {
        return (prefillNanos + decodeNanos) / 1e9;
    }
}
