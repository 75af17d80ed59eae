package dev.klotski.engine.generate;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.ForwardBatch;
import dev.klotski.engine.model.layers.Workspace;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Feeds a fixed token sequence through the model and keeps the logits of every position, the way a model
 * scores a text it did not write (row i is the distribution of token i + 1). This is what comparing a quantized
 * model with its original needs: both see exactly the same tokens.
 */
public final class TeacherForcing {
    /** Logit values per pass: bounds the logits buffers (64 MB) whatever the vocabulary. */
    private static final int MAX_PASS_LOGITS = 1 << 24;

    private final MoeModel model;
    private final Kernels kernels;
    private final int maxPassTokens;

    public TeacherForcing(MoeModel model, Kernels kernels, int maxPassTokens) {
        this.model = model;
        this.kernels = kernels;
        this.maxPassTokens = maxPassTokens;
    }

    /** Logits (ids.length, vocab), row-major; ids must be in the vocabulary and fit the context. */
    public float[] logits(int[] ids) {
        ModelConfig config = model.config();
        int vocab = config.vocabSize();
        if (ids.length == 0) {
            throw new IllegalArgumentException("teacher forcing needs at least one token");
        }
        if (ids.length > config.contextLength()) {
            throw new IllegalArgumentException(ids.length + " tokens do not fit the model's context of "
                    + config.contextLength() + "; score a shorter sequence");
        }
        if ((long) ids.length * vocab > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(ids.length + " positions x " + vocab
                    + " vocabulary logits are more than one array holds; score a shorter sequence");
        }
        float[] out = new float[ids.length * vocab];
        Workspace ws = model.newWorkspace(kernels);
        KvCache cache = new KvCache(kernels, config.layers(), config.kvDim(), config.contextLength(), ids.length);
        int chunk = Math.max(1, Math.min(maxPassTokens, MAX_PASS_LOGITS / vocab));
        for (int from = 0; from < ids.length; from += chunk) {
            int n = Math.min(chunk, ids.length - from);
            int first = from;
            int[] positions = IntStream.range(first, first + n).toArray();
            ForwardBatch batch = new ForwardBatch(Arrays.copyOfRange(ids, from, from + n), positions, new int[n],
                    new KvCache[] {cache}, IntStream.range(0, n).toArray());
            cache.ensureCapacity(from + n);
            float[] logits = model.forward(kernels, ws, batch);
            System.arraycopy(logits, 0, out, from * vocab, n * vocab);
        }
        return out;
    }
}
