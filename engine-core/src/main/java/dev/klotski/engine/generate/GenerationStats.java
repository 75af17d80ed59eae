package dev.klotski.engine.generate;

/**
 * Timings of one generate call. Prefill and decode run for the whole batch at once, so the times are the
 * batch's; token counts are this sequence's.
 */
public record GenerationStats(int promptTokens, int generatedTokens, long prefillNanos, long decodeNanos,
                              int batchSize) {

    /** Prompt tokens of the whole batch per second of prefill, as measured for the batch this row ran in. */
    public double prefillTokensPerSecond(int batchPromptTokens) {
        return prefillNanos == 0 ? 0 : batchPromptTokens / (prefillNanos / 1e9);
    }

    public double latencySeconds() {
        return (prefillNanos + decodeNanos) / 1e9;
    }
}
