package dev.klotski.engine.kernel;

import dev.klotski.engine.tensor.Matrix;

/**
 * The compute backend: every heavy operation of the forward pass goes through here, so a faster or
 * device-side backend (CUDA) replaces an implementation, not the model code. Implementations are
 * stateless apart from their thread pools and safe to share.
 */
public interface Kernels extends AutoCloseable {

    /** A short name for logs and benchmark tables, e.g. "openblas" or "fixed-order". */
    String name();

    /**
     * True when each output row is computed in an order fixed by design, so a row's result is bit-identical
     * whatever the number of rows in the call, its position among them, and the thread count.
     */
    boolean batchInvariant();

    /**
     * Linear layer without bias: {@code out[r, o] = Σ_k x[r, k] · w[o, k]}.
     *
     * @param x    (rows, w.cols) row-major
     * @param rows number of input rows
     * @param w    (out, in) weights in HuggingFace layout
     * @param out  (rows, w.rows) row-major; overwritten
     */
    void matmul(float[] x, int rows, Matrix w, float[] out);

    /** Runs {@code body} over [0, n) split into contiguous chunks on this backend's threads. */
    void parallelFor(int n, RangeBody body);

    @Override
    void close();

    /** A loop body over the half-open range [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }
}
