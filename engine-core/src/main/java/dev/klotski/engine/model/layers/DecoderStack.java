package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.List;

/** The whole forward pass: embeddings, decoder layers, final norm and LM head. */
public final class DecoderStack {
    private final WeightMatrix embeddings; // (vocab, hidden)
    private final List<DecoderLayer> layers;
    private final RmsNorm finalNorm;       // (hidden)
    private final WeightMatrix lmHead;     // (vocab, hidden); the embeddings when tied

    public DecoderStack(WeightMatrix embeddings, List<DecoderLayer> layers, RmsNorm finalNorm, WeightMatrix lmHead) {
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    public List<DecoderLayer> layers() {
        return layers;
    }

    public WeightMatrix embeddings() {
        return embeddings;
    }

    public WeightMatrix lmHead() {
        return lmHead;
    }

    /**
     * Runs all tokens of the batch through the model, appending their keys and values to their sequences'
     * caches, and returns the logits (logitRows.length, vocab) of the requested rows in host memory: the
     * workspace's array, valid until its next pass.
     */
    public float[] forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        int vocab = embeddings.rows();
        int hidden = embeddings.cols();
        int tokens = batch.size();
        int[] ids = batch.tokens();
        for (int t = 0; t < tokens; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[t] + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int[] rows = batch.logitRows();
        ws.ensure(tokens, rows.length, batch.caches().length);
        kernels.embed(embeddings, ids, tokens, ws.residual);
        for (DecoderLayer layer : layers) {
            layer.forward(kernels, ws, batch);
        }
        System.arraycopy(rows, 0, ws.logitRowIds, 0, rows.length);
        kernels.gatherRows(ws.residual, hidden, ws.logitRowIds, 0, rows.length, ws.selected);
        finalNorm.apply(kernels, ws.selected, ws.selected, rows.length);
        kernels.matmul(ws.selected, rows.length, lmHead, ws.logits);
        kernels.download(ws.logits, 0, ws.hostLogits, 0, rows.length * vocab);
        return ws.hostLogits;
    }
}
