package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;

/** A dense SwiGLU MLP (layers that Qwen keeps dense). */
public record DenseFeedForward(ExpertFfn mlp) implements FeedForward {

    @Override
    public void forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        mlp.apply(kernels, ws, ws.normed, batch.size(), ws.delta);
    }
}
