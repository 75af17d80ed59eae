package dev.klotski.engine.api;

/**
 * How the engine's loop advances sequences: a group of {@code batches} batches of {@code batchSize} sequences
 * goes through each layer together (one expert load serves every row of the group that chose the expert), and
 * one forward pass holds at most {@code passTokens} tokens (prompt chunks fill what the group's decode rows
 * leave). On the CPU backend the batches of a group run as one ragged pass; the split matters for where KV
 * caches live once a device backend streams them per batch.
 *
 * @param batches    n, batches per group; 0 with batchSize 0: as many sequences as the KV budget holds
 * @param batchSize  b, sequences per batch
 * @param passTokens most tokens in one forward pass: bounds activation memory during prefill
 * @param overlapIo  offloaded expert loads run while compute goes on (false: the load-on-demand baseline)
 * @param poolShare  share of the offloaded experts' compute-tier slots lent to whichever layer is loading, in
 *                   [0, 1): loads run that far ahead of compute; the rest stay per-layer cache slots
 */
public record GroupOptions(int batches, int batchSize, int passTokens, boolean overlapIo, double poolShare) {
    /** Most tokens in one pass by default; bounds prefill activations to a few hundred MB for large models. */
    public static final int DEFAULT_PASS_TOKENS = 2048;
    /** Every sequence the KV budget holds, passes of {@link #DEFAULT_PASS_TOKENS}, overlapped loads. */
    public static final GroupOptions DEFAULT = new GroupOptions(0, 0, DEFAULT_PASS_TOKENS, true, 0);

    /** No pool: every slot is a per-layer cache slot. */
    public GroupOptions(int batches, int batchSize, int passTokens, boolean overlapIo) {
        this(batches, batchSize, passTokens, overlapIo, 0);
    }

    public GroupOptions {
        if (batches < 0 || batchSize < 0 || (batches == 0) != (batchSize == 0)) {
            throw new IllegalArgumentException("a group is n batches of b sequences, both >= 1 (or both 0 for as "
                    + "many as the KV budget holds), got n = " + batches + ", b = " + batchSize);
        }
        if ((long) batches * batchSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a group of " + batches + " x " + batchSize + " sequences is too large");
        }
        if (!(poolShare >= 0 && poolShare < 1)) {
            throw new IllegalArgumentException("the pool share must be in [0, 1), got " + poolShare);
        }
        if (passTokens < 1) {
            throw new IllegalArgumentException("a forward pass holds at least one token, got " + passTokens);
        }
    }

    /** Sequences the group holds; Integer.MAX_VALUE when only the KV budget limits it. */
    public int sequences() {
        return batches == 0 ? Integer.MAX_VALUE : batches * batchSize;
    }

    /** The same with n batches of b. */
    public GroupOptions withShape(int n, int b) {
        return new GroupOptions(n, b, passTokens, overlapIo, poolShare);
    }
}
