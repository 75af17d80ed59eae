package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** The feed-forward half of a decoder layer: a dense MLP or a mixture of experts. */
public interface FeedForward {

    /** ws.normed (rows, hidden), already normalised, in; ws.delta (rows, hidden) out; rows = batch.size(). */
    void forward(Kernels kernels, Workspace ws, ForwardBatch batch);
}
