package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/**
 * The fast mode when both OpenBLAS and the SIMD kernels are there: products of few rows (decode steps, small
 * expert groups) go to the SIMD kernels, larger ones to OpenBLAS. Measured on 2 cores, OpenBLAS reaches
 * 7.6 GFLOP/s for 1 row of a 1024x2816 layer and 33 for 8 rows, the SIMD kernels 15 and 49; from about 16 rows
 * on OpenBLAS wins. Like OpenBLAS alone this is not batch-invariant: a row's kernel depends on the row count.
 */
final class SmallBatchKernels implements Kernels {
    /** Products of at most this many rows go to the small-batch kernels. */
    static final int SMALL_ROWS = 8;

    private final Kernels large;
    private final Kernels small;

    SmallBatchKernels(Kernels large, Kernels small) {
        this.large = large;
        this.small = small;
    }

    @Override
    public String name() {
        return large.name() + "+" + small.name();
    }

    @Override
    public boolean batchInvariant() {
        return false;
    }

    @Override
    public void matmul(float[] x, int rows, Matrix w, float[] out) {
        (rows <= SMALL_ROWS ? small : large).matmul(x, rows, w, out);
    }

    @Override
    public void parallelFor(int n, RangeBody body) {
        small.parallelFor(n, body);
    }

    @Override
    public void close() {
        large.close();
        small.close();
    }
}
