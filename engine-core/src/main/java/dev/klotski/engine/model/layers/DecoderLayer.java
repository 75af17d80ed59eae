package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** Pre-norm decoder layer: {@code h = x + attn(norm(x)); out = h + ffn(norm(h))}. */
public record DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, FeedForward ffn) {

    /** Updates the residual stream ws.residual (T, hidden) in place. */
    public void forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        int rows = batch.size();
        int hidden = inputNorm.dim();
        long t0 = ws.tracer.enabled() ? System.nanoTime() : 0;
        inputNorm.apply(kernels, ws.residual, ws.normed, rows);
        attention.forward(kernels, ws, batch);
        kernels.add(ws.residual, ws.delta, rows * hidden);
        long t1 = ws.tracer.enabled() ? System.nanoTime() : 0;
        postAttentionNorm.apply(kernels, ws.residual, ws.normed, rows);
        ffn.forward(kernels, ws, batch);
        kernels.add(ws.residual, ws.delta, rows * hidden);
        if (ws.tracer.enabled()) {
            long t2 = System.nanoTime();
            int l = attention.layer();
            ws.tracer.span("compute", "L" + l + " attention (" + rows + " tokens)", t0, t1);
            ws.tracer.span("compute", "L" + l + " ffn", t1, t2);
        }
    }
}
