package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.ForwardBatch;

/** Pre-norm decoder layer: {@code h = x + attn(norm(x)); out = h + ffn(norm(h))}. */
public record DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, FeedForward ffn) {

    /** Updates the residual stream x (T, hidden) in place. */
    public void forward(Kernels kernels, float[] x, ForwardBatch batch) {
        int rows = batch.size();
        float[] attn = attention.forward(kernels, inputNorm.apply(x), batch);
        addInPlace(x, attn);
        float[] ff = ffn.forward(kernels, postAttentionNorm.apply(x), rows);
        addInPlace(x, ff);
    }

    private static void addInPlace(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
