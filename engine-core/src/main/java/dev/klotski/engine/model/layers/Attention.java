package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ForwardBatch;

/**
 * Grouped-query self-attention with a KV cache. Projections run over all tokens of the batch at once; the
 * attention itself is computed per (token, head) against that token's own sequence only.
 */
public final class Attention {
    private final int layer;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Linear q;  // (heads*headDim, hidden)
    private final Linear k;  // (kvHeads*headDim, hidden)
    private final Linear v;  // (kvHeads*headDim, hidden)
    private final Linear o;  // (hidden, heads*headDim)
    private final RmsNorm qNorm; // over head_dim (per head) or the whole projection; null when none
    private final RmsNorm kNorm;
    private final RotaryEmbedding rope;

    public Attention(int layer, int heads, int kvHeads, int headDim, Linear q, Linear k, Linear v, Linear o,
                     RmsNorm qNorm, RmsNorm kNorm, RotaryEmbedding rope) {
        this.layer = layer;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.rope = rope;
    }

    /** x: (T, hidden), already normalised. Writes the batch's keys/values to the caches; returns (T, hidden). */
    public float[] forward(Kernels kernels, float[] x, ForwardBatch batch) {
        int tokens = batch.size();
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        float[] queries = q.apply(kernels, x, tokens); // (T, qDim)
        float[] keys = k.apply(kernels, x, tokens);    // (T, kvDim)
        float[] values = v.apply(kernels, x, tokens);  // (T, kvDim)
        if (qNorm != null) {
            qNorm.applyInPlace(queries);
            kNorm.applyInPlace(keys);
        }
        for (int t = 0; t < tokens; t++) {
            rope.apply(queries, t * qDim, heads, batch.positions()[t]);
            rope.apply(keys, t * kvDim, kvHeads, batch.positions()[t]);
            batch.caches()[batch.sequence()[t]].write(layer, batch.positions()[t], keys, t * kvDim, values, t * kvDim);
        }
        float[] context = new float[tokens * qDim]; // (T, qDim)
        int span = batch.maxSpan();
        kernels.parallelFor(tokens * heads, (from, to) -> {
            float[] scores = new float[span];
            for (int i = from; i < to; i++) {
                attendOne(batch, queries, context, i / heads, i % heads, scores);
            }
        });
        return o.apply(kernels, context, tokens);
    }

    /** Softmax(q·Kᵀ/√d)·V for one token and head over positions 0..its own position. */
    private void attendOne(ForwardBatch batch, float[] queries, float[] context, int t, int h, float[] scores) {
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        KvCache cache = batch.caches()[batch.sequence()[t]];
        float[] cachedKeys = cache.keys(layer);
        float[] cachedValues = cache.values(layer);
        int kvHead = h / (heads / kvHeads);
        int qOff = t * qDim + h * headDim;
        int length = batch.positions()[t] + 1;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < length; p++) {
            int kOff = p * kvDim + kvHead * headDim;
            float dot = 0f;
            for (int d = 0; d < headDim; d++) {
                dot += queries[qOff + d] * cachedKeys[kOff + d];
            }
            scores[p] = dot * scale;
            max = Math.max(max, scores[p]);
        }
        float sum = 0f;
        for (int p = 0; p < length; p++) {
            scores[p] = (float) Math.exp(scores[p] - max);
            sum += scores[p];
        }
        float inv = 1f / sum;
        int outOff = t * qDim + h * headDim;
        for (int p = 0; p < length; p++) {
            float w = scores[p] * inv;
            int vOff = p * kvDim + kvHead * headDim;
            for (int d = 0; d < headDim; d++) {
                context[outOff + d] += w * cachedValues[vOff + d];
            }
        }
    }
}
