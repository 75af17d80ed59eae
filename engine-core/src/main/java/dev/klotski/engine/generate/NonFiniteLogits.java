package dev.klotski.engine.generate;

/**
 * The model computed a NaN or infinite logit: a weight in the checkpoint is NaN or infinite (a corrupt file, or
 * a bad conversion), or the activations overflowed. Sampling from it would be garbage, so the request fails.
 */
public final class NonFiniteLogits extends IllegalStateException {

    NonFiniteLogits(float value, int tokenId, int generated) {
        super("the model computed a non-finite logit (" + value + " for token " + tokenId + ") for generated token "
                + generated + ": a weight in the checkpoint is NaN or infinite, or the activations overflowed; "
                + "check the model's files against their source (a corrupt download or conversion)");
    }

    /** The index of the first non-finite value of logits[off..off+n), or -1. */
    static int first(float[] logits, int off, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(logits[off + i])) {
                return i;
            }
        }
        return -1;
    }
}
