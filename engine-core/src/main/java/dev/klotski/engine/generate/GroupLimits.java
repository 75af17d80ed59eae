package dev.klotski.engine.generate;

/**
 * The shape of the group the batch loop advances: at most {@code sequences} sequences at once (the planner's n
 * batches of b), and at most {@code passTokens} tokens in one forward pass. Decode tokens of every running
 * sequence always go into the next pass; prefill tokens fill the rest, so a long prompt is fed in chunks and
 * never holds up the others' decoding. Every expert a pass loads serves all of its tokens.
 *
 * @param sequences  sequences in the group; Integer.MAX_VALUE leaves the KV budget as the only limit
 * @param passTokens tokens per forward pass: bounds activation memory during prefill
 * @param batchSize  sequences per batch (b) within a pass, for per-batch attention and its trace spans; 0: the
 *                   pass is one batch
 */
public record GroupLimits(int sequences, int passTokens, int batchSize) {
    /** A group that is one batch. */
    public GroupLimits(int sequences, int passTokens) {
        this(sequences, passTokens, 0);
    }

    public GroupLimits {
        if (batchSize < 0) {
            throw new IllegalArgumentException("sequences per batch must be >= 0, got " + batchSize);
        }
        if (sequences < 1) {
            throw new IllegalArgumentException("a group holds at least one sequence, got " + sequences);
        }
        if (passTokens < 1) {
            throw new IllegalArgumentException("a pass holds at least one token, got " + passTokens);
        }
    }

    /** As many sequences as the KV budget holds, passes of at most {@code passTokens}. */
    public static GroupLimits kvBound(int passTokens) {
        return new GroupLimits(Integer.MAX_VALUE, passTokens);
    }
}
