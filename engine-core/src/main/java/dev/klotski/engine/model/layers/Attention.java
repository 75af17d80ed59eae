package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kv.KvCache;

/**
 * Grouped-query self-attention with a KV cache. Projections run over all tokens of the batch at once; the
 * attention itself is computed per (token, head) against that token's own sequence only.
 */
public final class Attention {
    private final int layer;
    private final AttentionShape shape;
    private final Linear q;  // (heads*headDim, hidden)
    private final Linear k;  // (kvHeads*headDim, hidden)
    private final Linear v;  // (kvHeads*headDim, hidden)
    private final Linear o;  // (hidden, heads*headDim)
    private final RmsNorm qNorm; // over head_dim (per head) or the whole projection; null when none
    private final RmsNorm kNorm;
    private final RotaryEmbedding rope;

    /** The decoder layer this attention belongs to. */
    public int layer() {
        return layer;
    }

    public Attention(int layer, AttentionShape shape, Linear q, Linear k, Linear v, Linear o, RmsNorm qNorm,
                     RmsNorm kNorm, RotaryEmbedding rope) {
        this.layer = layer;
        this.shape = shape;
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        this.rope = rope;
    }

    /** ws.normed (T, hidden) in; writes the batch's keys/values to the caches; ws.delta (T, hidden) out. */
    public void forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        int tokens = batch.size();
        q.apply(kernels, ws.normed, tokens, ws.q); // (T, qDim)
        k.apply(kernels, ws.normed, tokens, ws.k); // (T, kvDim)
        v.apply(kernels, ws.normed, tokens, ws.v); // (T, kvDim)
        if (qNorm != null) {
            qNorm.apply(kernels, ws.q, ws.q, tokens * shape.qDim() / qNorm.dim());
            kNorm.apply(kernels, ws.k, ws.k, tokens * shape.kvDim() / kNorm.dim());
        }
        rope.apply(kernels, ws.q, tokens, shape.heads(), batch.positions());
        rope.apply(kernels, ws.k, tokens, shape.kvHeads(), batch.positions());
        KvCache[] caches = batch.caches();
        for (int s = 0; s < caches.length; s++) {
            ws.keyCaches[s] = caches[s].keys(layer);
            ws.valueCaches[s] = caches[s].values(layer);
        }
        kernels.writeKv(ws.k, ws.v, tokens, shape.kvDim(), batch.sequence(), batch.positions(), ws.keyCaches,
                ws.valueCaches);
        int[] starts = ws.batchStarts(batch); // one call per batch of the group: a device streams each batch's KV
        for (int b = 0; b + 1 < starts.length; b++) {
            long t0 = ws.tracer.enabled() ? System.nanoTime() : 0;
            kernels.attention(ws.q, ws.context, starts[b], starts[b + 1], shape, batch.sequence(),
                    batch.positions(), ws.keyCaches, ws.valueCaches);
            if (ws.tracer.enabled()) {
                ws.tracer.span("compute", "L" + layer + " attention, batch " + b + " ("
                        + (starts[b + 1] - starts[b]) + " tokens)", t0, System.nanoTime());
            }
        }
        o.apply(kernels, ws.context, tokens, ws.delta);
    }
}
