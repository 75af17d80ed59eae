package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** Pre-norm decoder layer: {@code h = x + attn(norm(x)); out = h + ffn(norm(h))}. */
public record DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, FeedForward ffn) {

    /** Updates the residual stream ws.residual (T, hidden) in place. */
    public void forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        int rows = batch.size();
        int hidden = inputNorm.dim();
        inputNorm.apply(kernels, ws.residual, ws.normed, rows);
        attention.forward(kernels, ws, batch);
        kernels.add(ws.residual, ws.delta, rows * hidden);
        postAttentionNorm.apply(kernels, ws.residual, ws.normed, rows);
        ffn.forward(kernels, ws, batch);
        kernels.add(ws.residual, ws.delta, rows * hidden);
    }
}
