package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightMatrix;

/**
 * The fast mode when both OpenBLAS and the SIMD kernels are there: products of few rows (decode steps, expert
 * groups of a decode step) go to the SIMD kernels, larger ones (prefill) to OpenBLAS. Measured on 2 cores:
 * for one 1024x2816 layer OpenBLAS reaches 7.6 GFLOP/s with 1 row and 33 with 8, the SIMD kernels 15 and 49;
 * with 32 rows OpenBLAS wins in isolation, but inside the engine (OpenBLAS threads spin between calls and
 * compete with ours) routing up to 32 rows to SIMD gave the best decode at batch 32 (129 vs 93 tokens/s with a
 * cut at 8) for a small loss in prefill. Like OpenBLAS alone this is not batch-invariant.
 */
final class SplitMatmul implements MatmulKernel {
    /** Products of at most this many rows go to the small-batch kernels (-Dklotski.smallRows to tune). */
    static final int SMALL_ROWS = Integer.getInteger("klotski.smallRows", 32);

    private final MatmulKernel large;
    private final MatmulKernel small;

    SplitMatmul(MatmulKernel large, MatmulKernel small) {
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
    public void matmul(float[] x, int rows, WeightMatrix w, float[] out) {
        (rows <= SMALL_ROWS ? small : large).matmul(x, rows, w, out);
    }
}
