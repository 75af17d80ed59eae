package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** The feed-forward half of a decoder layer: a dense MLP or a mixture of experts. */
public interface FeedForward {

    /** x: (rows, hidden), already normalised; returns (rows, hidden). */
    float[] forward(Kernels kernels, float[] x, int rows);
}
