package dev.klotski.engine.model;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.layers.DecoderStack;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.layers.ForwardBatch;
import dev.klotski.engine.model.layers.Workspace;

/** A loaded decoder-only MoE transformer: its configuration, its layers and where its experts come from. */
public final class MoeModel implements AutoCloseable {
    private final ModelConfig config;
    private final DecoderStack stack;
    private final ExpertSource experts;
    private final WeightBytes weightBytes;
    /** Taken around each pass when the expert source serves one pass at a time (fair: sharing engines alternate). */
    private final java.util.concurrent.locks.ReentrantLock passTurns = new java.util.concurrent.locks.ReentrantLock(true);

    public MoeModel(ModelConfig config, DecoderStack stack, ExpertSource experts, WeightBytes weightBytes) {
        this.config = config;
        this.stack = stack;
        this.experts = experts;
        this.weightBytes = weightBytes;
    }

    public ModelConfig config() {
        return config;
    }

    public ExpertSource experts() {
        return experts;
    }

    /** The LM head (vocab, hidden): the embeddings when tied. */
    public dev.klotski.engine.tensor.WeightMatrix lmHead() {
        return stack.lmHead();
    }

    /** Bytes of weights really held, by format. */
    public WeightBytes weightBytes() {
        return weightBytes;
    }

    private dev.klotski.engine.util.Tracer tracer = dev.klotski.engine.util.Tracer.NONE;

    /** Records passes (in workspaces made from now on) and expert loads in {@code t}. */
    public void trace(dev.klotski.engine.util.Tracer t) {
        this.tracer = t;
        experts.trace(t);
    }

    /** A workspace for passes of this model on the given backend. */
    public Workspace newWorkspace(Kernels kernels) {
        int maxInter = Math.max(config.expertIntermediate(), Math.max(config.sharedIntermediate(),
                config.denseIntermediate()));
        Workspace ws = new Workspace(kernels, new Workspace.Dims(config.hiddenSize(), config.qDim(), config.kvDim(),
                maxInter, config.experts(), config.expertsPerToken(), config.vocabSize()));
        ws.trace(tracer);
        return ws;
    }

    /**
     * Runs all tokens of the batch through the model, appending their keys and values to their sequences'
     * caches, and returns the logits (logitRows.length, vocab) of the requested rows: the workspace's host
     * array, valid until its next pass.
     */
    public float[] forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        if (experts.servesConcurrentPasses()) {
            return stack.forward(kernels, ws, batch);
        }
        passTurns.lock();
        try {
            return stack.forward(kernels, ws, batch);
        } finally {
            passTurns.unlock();
        }
    }

    @Override
    public void close() {
        experts.close();
    }
}
