package dev.klotski.engine.kernel;

import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.WeightMatrix;

/**
 * The compute backend: every piece of math in the forward pass goes through here, on buffers the backend
 * allocated, so a device backend (CUDA) keeps activations and KV caches in its own memory and replaces an
 * implementation, not the model code. Layers say what to compute; only routing decisions and the logits rows
 * come back to the host.
 *
 * <p>Conventions: every buffer is row-major and starts at element 0; "rows" counts the rows used, which may be
 * fewer than the buffer holds. Weights are {@link WeightMatrix} in HuggingFace layout {@code (out, in)};
 * vectors (norm weights, biases) are matrices of one row. Unless said otherwise an output buffer may not alias
 * an input. Implementations are safe to share between threads as long as calls do not share output buffers.
 */
public interface Kernels extends AutoCloseable {

    /** A short name for logs and benchmark tables, e.g. "openblas+fixed-order-simd". */
    String name();

    /**
     * True when each output row is computed in an order fixed by design, so a row's result is bit-identical
     * whatever the number of rows in the call, its position among them, and the thread count.
     */
    boolean batchInvariant();

    // ---- memory ----

    /** A new zeroed buffer of {@code floats} values. */
    Buffer allocate(int floats);

    /** Copies n values from src[srcOff..] to dst[dstOff..] (regions of one buffer must not overlap). */
    void copy(Buffer src, int srcOff, Buffer dst, int dstOff, int n);

    /** Sets x[0..n) to zero. */
    void zero(Buffer x, int n);

    /** Copies n values of a buffer to host memory (logits for sampling). */
    void download(Buffer src, int srcOff, float[] dst, int dstOff, int n);

    // ---- linear algebra ----

    /**
     * Linear layer without bias, dispatching on the weight's format: {@code out[r, o] = Σ_k x[r, k] · w[o, k]}.
     *
     * @param x   (rows, w.cols)
     * @param out (rows, w.rows); overwritten
     */
    void matmul(Buffer x, int rows, WeightMatrix w, Buffer out);

    /** {@code x[r, :] += bias[0, :]} for r < rows; x (rows, bias.cols). */
    void addBias(Buffer x, int rows, WeightMatrix bias);

    /** Residual add {@code x[i] += delta[i]} for i < n. */
    void add(Buffer x, Buffer delta, int n);

    // ---- element-wise and normalisation ----

    /**
     * RMSNorm of {@code groups} consecutive groups of {@code weight.cols} values: {@code out = x / sqrt(mean(x²) +
     * eps) * w}, the sum of squares accumulated in double in index order. x and out may be the same buffer.
     */
    void rmsNorm(Buffer x, Buffer out, int groups, WeightMatrix weight, float eps);

    /**
     * Rotary embedding in the HuggingFace rotate_half (NEOX) layout on x (tokens, heads * headDim), in place:
     * element i of a head pairs with i + headDim/2, angle {@code positions[t] * inverseFrequencies[i]}.
     */
    void rope(Buffer x, int tokens, int heads, int headDim, int[] positions, float[] inverseFrequencies);

    /** SwiGLU's middle: {@code gate[i] = silu(gate[i]) * up[i]} for i < n. */
    void siluMul(Buffer gate, Buffer up, int n);

    /** {@code x[i] = sigmoid(x[i])} for i < n. */
    void sigmoid(Buffer x, int n);

    // ---- attention and KV ----

    /**
     * Stores keys and values (tokens, kvDim) in each token's sequence cache: row {@code positions[t]} of
     * {@code keyCaches[sequence[t]]} (capacity, kvDim), likewise for values.
     */
    void writeKv(Buffer keys, Buffer values, int tokens, int kvDim, int[] sequence, int[] positions,
                 Buffer[] keyCaches, Buffer[] valueCaches);

    /**
     * Causal grouped-query attention for tokens {@code from..to-1} (a whole pass, or one batch of a group): for
     * token t and head h, softmax(q·Kᵀ/√d)·V over positions 0..positions[t] of its own sequence's caches. Rows
     * outside the range are left as they are; each (token, head) pair is computed alone, so splitting a pass
     * into ranges changes no bit.
     *
     * @param q   (tokens, heads * headDim)
     * @param out (tokens, heads * headDim); rows from..to-1 overwritten
     */
    void attention(Buffer q, Buffer out, int from, int to, AttentionShape shape, int[] sequence, int[] positions,
                   Buffer[] keyCaches, Buffer[] valueCaches);

    // ---- embeddings, routing, gather and scatter ----

    /** out[t, :] = row ids[t] of the table (vocab, hidden), widened to float32, for t < count. */
    void embed(WeightMatrix table, int[] ids, int count, Buffer out);

    /**
     * Mixture-of-experts routing: softmax over each row of logits (rows, experts), keep the top k (highest
     * first, ties to the lower index as torch.topk on CPU), optionally renormalised to sum to 1. The choice is
     * written to host arrays {@code ids[r*k + j]} and {@code weights[r*k + j]}.
     */
    void route(Buffer logits, int rows, int experts, int k, boolean renormalize, int[] ids, float[] weights);

    /** dst[i, :] = src[rows[from + i], :] for i < count; rows of {@code cols} values. */
    void gatherRows(Buffer src, int cols, int[] rows, int from, int count, Buffer dst);

    /**
     * dst[rows[from + i], :] += scales[from + i] · src[i, :] for i < count, in order of i (so each destination
     * row sums its contributions in a fixed order).
     */
    void scatterAddRows(Buffer src, int cols, int[] rows, float[] scales, int from, int count, Buffer dst);

    /** dst[r, :] += rowScales[r] · src[r, :] for r < rows (rowScales is a buffer of rows values). */
    void addScaledRows(Buffer src, Buffer rowScales, int rows, int cols, Buffer dst);

    @Override
    void close();

    /** The head layout of an attention layer. */
    record AttentionShape(int heads, int kvHeads, int headDim) {
        public AttentionShape {
            if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0 || headDim < 1) {
                throw new IllegalArgumentException("bad attention shape: " + heads + " heads, " + kvHeads
                        + " kv heads, head_dim " + headDim);
            }
        }

        public int qDim() {
            return heads * headDim;
        }

        public int kvDim() {
            return kvHeads * headDim;
        }
    }
}
