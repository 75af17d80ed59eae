package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** A dense SwiGLU MLP (layers that Qwen keeps dense). */
public record DenseFeedForward(ExpertFfn mlp) implements FeedForward {

    @Override
    public float[] forward(Kernels kernels, float[] x, int rows) {
        return mlp.apply(kernels, x, rows);
    }
}
