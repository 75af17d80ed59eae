package dev.klotski.engine.model.layers;

import dev.klotski.engine.kv.KvCache;

/**
 * The tokens of one forward pass, from any number of sequences, ragged (no padding). Token t belongs to
 * sequence {@code sequence[t]} at {@code positions[t]}; a sequence's tokens appear in position order and its
 * earlier positions are already in its cache.
 *
 * @param tokens     (T) token ids
 * @param positions  (T) position of each token in its sequence
 * @param sequence   (T) index into caches
 * @param caches     one KV cache per sequence
 * @param logitRows  which token rows need logits (usually each sequence's last token)
 */
public record ForwardBatch(int[] tokens, int[] positions, int[] sequence, KvCache[] caches, int[] logitRows) {

    public ForwardBatch {
        if (tokens.length != positions.length || tokens.length != sequence.length) {
            throw new IllegalArgumentException("tokens, positions and sequence must have the same length");
        }
    }

    public int size() {
        return tokens.length;
    }

    /** The largest position + 1 of any token: how far attention may look back. */
    public int maxSpan() {
        int max = 0;
        for (int p : positions) {
            max = Math.max(max, p + 1);
        }
        return max;
    }
}
