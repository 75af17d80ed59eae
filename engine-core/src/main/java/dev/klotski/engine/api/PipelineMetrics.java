package dev.klotski.engine.api;

import dev.klotski.engine.generate.LoopFigures;

/**
 * What the engine's loop did since the engine opened: its forward passes (prefill ones fed prompt tokens, decode
 * ones only decode rows), their wall time, the tokens fed, the group shape and the expert figures of every pass.
 * Subtract two snapshots ({@link #since}) for the figures of a span, as {@code klotski bench} does.
 *
 * @param groupBatches      n, batches per group (0: as many sequences as the KV budget holds)
 * @param batchSize         b, sequences per batch (0 with n = 0)
 * @param passTokens        most tokens in one pass
 * @param largestGroup      most sequences one pass carried
 * @param loop              the passes' figures
 */
public record PipelineMetrics(int groupBatches, int batchSize, int passTokens, int largestGroup, LoopFigures loop) {

    /** The span since {@code earlier}. */
    public PipelineMetrics since(PipelineMetrics earlier) {
        return new PipelineMetrics(groupBatches, batchSize, passTokens, largestGroup, loop.since(earlier.loop));
    }

    /** Seconds the passes computed (their wall time less waits for expert loads). */
    public double computeSeconds() {
        return loop.computeNanos() / 1e9;
    }

    /** Seconds the passes waited for expert loads. */
    public double stallSeconds() {
        return loop.expertStallNanos() / 1e9;
    }

    /** Share of expert lookups that found the expert resident (1 when there were none). */
    public double hitRate() {
        return loop.expertLookups() == 0 ? 1.0 : (double) loop.expertHits() / loop.expertLookups();
    }
}
