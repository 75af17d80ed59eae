package dev.klotski.engine.model;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.layers.DecoderLayer;
import dev.klotski.engine.model.layers.ExpertWeights;
import dev.klotski.engine.model.layers.RmsNorm;
import dev.klotski.engine.tensor.Matrix;
import java.util.List;

/** A loaded decoder-only MoE transformer: embeddings, decoder layers, final norm and LM head. */
public final class MoeModel implements AutoCloseable {
    private final ModelConfig config;
    private final Matrix embeddings;   // (vocab, hidden)
    private final List<DecoderLayer> layers;
    private final RmsNorm finalNorm;   // (hidden)
    private final Matrix lmHead;       // (vocab, hidden); the embeddings when tied
    private final ExpertWeights experts;

    public MoeModel(ModelConfig config, Matrix embeddings, List<DecoderLayer> layers, RmsNorm finalNorm,
                    Matrix lmHead, ExpertWeights experts) {
        this.config = config;
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.experts = experts;
    }

    public ModelConfig config() {
        return config;
    }

    public ExpertWeights experts() {
        return experts;
    }

    /**
     * Runs all tokens of the batch through the model, appending their keys and values to their sequences'
     * caches, and returns the logits (logitRows.length, vocab) of the requested rows.
     */
    public float[] forward(Kernels kernels, ForwardBatch batch) {
        int hidden = config.hiddenSize();
        int tokens = batch.size();
        float[] x = new float[tokens * hidden]; // residual stream (T, hidden)
        for (int t = 0; t < tokens; t++) {
            int id = batch.tokens()[t];
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
            System.arraycopy(embeddings.data(), id * hidden, x, t * hidden, hidden);
        }
        for (DecoderLayer layer : layers) {
            layer.forward(kernels, x, batch);
        }
        int[] rows = batch.logitRows();
        float[] selected = new float[rows.length * hidden];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x, rows[i] * hidden, selected, i * hidden, hidden);
        }
        float[] logits = new float[rows.length * config.vocabSize()];
        kernels.matmul(finalNorm.apply(selected), rows.length, lmHead, logits);
        return logits;
    }

    @Override
    public void close() {
        experts.close();
    }
}
