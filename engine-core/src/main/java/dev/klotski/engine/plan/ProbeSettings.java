package dev.klotski.engine.plan;

import java.util.List;

/**
 * How much the prober measures: bigger probes are steadier, smaller ones are quick (tests use tiny ones).
 *
 * @param diskBytes        bytes of the checkpoint read for each disk figure (O_DIRECT, then buffered)
 * @param copyBytes        bytes copied from host memory into a compute-tier expert, in whole experts (at least 3)
 * @param ffnTokens        token counts one expert's feed-forward is timed at
 * @param passTokens       token counts whole forward passes are timed at (one token per sequence, at position 0)
 * @param contextPositions the earlier positions a second set of passes attends to, which prices attention's
 *                         growth with context
 * @param repeats          timings per point; the fastest counts (the others met interference)
 * @param warmupMillis     time each point runs before it is timed, so the JIT has compiled the kernels
 */
public record ProbeSettings(long diskBytes, long copyBytes, List<Integer> ffnTokens, List<Integer> passTokens,
                            int contextPositions, int repeats, int warmupMillis) {

    /** What {@code klotski profile-hw} measures unless told otherwise: about a minute on a large model. */
    public static final ProbeSettings DEFAULT = new ProbeSettings(256L << 20, 256L << 20, List.of(1, 4, 16, 64, 256),
            List.of(1, 4, 16, 64), 256, 3, 200);

    public ProbeSettings {
        ffnTokens = List.copyOf(ffnTokens);
        passTokens = List.copyOf(passTokens);
        if (diskBytes < 1 || copyBytes < 1 || repeats < 1 || contextPositions < 1 || warmupMillis < 0) {
            throw new IllegalArgumentException("probe sizes must be positive: disk " + diskBytes + ", copy "
                    + copyBytes + ", context " + contextPositions + ", repeats " + repeats + ", warm-up "
                    + warmupMillis + " ms");
        }
        if (ffnTokens.size() < 2 || passTokens.size() < 2 || ffnTokens.stream().anyMatch(t -> t < 1)
                || passTokens.stream().anyMatch(t -> t < 1)) {
            throw new IllegalArgumentException("a fit needs at least two positive token counts, got ffn " + ffnTokens
                    + ", passes " + passTokens);
        }
    }
}
