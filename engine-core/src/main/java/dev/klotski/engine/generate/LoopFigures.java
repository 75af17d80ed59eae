package dev.klotski.engine.generate;

/**
 * What the batch loop did since it started: forward passes split into those that fed prompt tokens (prefill,
 * possibly with decode rows of others) and decode-only ones, with their wall time, the tokens they fed, the
 * largest group, and the expert figures of all passes. Benchmarks take two snapshots and subtract.
 *
 * @param prefillPasses     passes that fed at least one prompt token
 * @param decodePasses      passes of decode rows only
 * @param prefillPassNanos  wall time of the prefill passes (compute plus waits for expert loads)
 * @param decodePassNanos   wall time of the decode passes
 * @param promptTokens      prompt tokens fed
 * @param decodeTokens      decode rows fed
 * @param largestGroup      most sequences in one pass
 * @param expertLookups     experts the passes needed
 * @param expertHits        of those, resident when asked for
 * @param expertLoads       loads into the compute tier (demand and prefetch)
 * @param expertBytesRead   bytes those loads moved
 * @param expertStallNanos  time the passes waited for loads
 */
public record LoopFigures(long prefillPasses, long decodePasses, long prefillPassNanos, long decodePassNanos,
                          long promptTokens, long decodeTokens, int largestGroup, long expertLookups, long expertHits,
                          long expertLoads, long expertBytesRead, long expertStallNanos) {

    /** The figures of the span between {@code earlier} and this snapshot (largestGroup: this one's). */
    public LoopFigures since(LoopFigures earlier) {
        return new LoopFigures(prefillPasses - earlier.prefillPasses, decodePasses - earlier.decodePasses,
                prefillPassNanos - earlier.prefillPassNanos, decodePassNanos - earlier.decodePassNanos,
                promptTokens - earlier.promptTokens, decodeTokens - earlier.decodeTokens, largestGroup,
                expertLookups - earlier.expertLookups, expertHits - earlier.expertHits,
                expertLoads - earlier.expertLoads, expertBytesRead - earlier.expertBytesRead,
                expertStallNanos - earlier.expertStallNanos);
    }

    /** Time the passes computed: their wall time less the waits for expert loads. */
    public long computeNanos() {
        return prefillPassNanos + decodePassNanos - expertStallNanos;
    }
}
