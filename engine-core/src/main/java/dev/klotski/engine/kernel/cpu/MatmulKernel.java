package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightMatrix;

/**
 * One way to compute {@code out = x · Wᵀ} on host arrays, for every {@link dev.klotski.engine.tensor.WeightFormat}.
 * {@link CpuKernels} does everything else the same way for all of them, so matmul strategies are all that differ
 * between the CPU backends.
 */
interface MatmulKernel {

    String name();

    /** Whether a row's result is independent of the row count, its position and the thread count. */
    boolean batchInvariant();

    /**
     * @param x   (rows, w.cols)
     * @param out (rows, w.rows); overwritten
     */
    void matmul(float[] x, int rows, WeightMatrix w, float[] out);
}
