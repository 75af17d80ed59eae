package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.Matrix;
import dev.ludovic.netlib.blas.BLAS;

/**
 * The fast CPU path: matrix products through a native BLAS (OpenBLAS) via netlib-java. Not batch-invariant:
 * OpenBLAS picks blocking and threading by problem size, so a row's bits depend on the call's row count.
 */
public final class BlasKernels extends PooledKernels {
    private final BLAS blas;

    BlasKernels(BLAS blas, int threads) {
        super(threads);
        this.blas = blas;
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public boolean batchInvariant() {
        return false;
    }

    @Override
    public void matmul(float[] x, int rows, Matrix w, float[] out) {
        // Row-major out(rows, O) = x(rows, I) · wᵀ is column-major outᶜ(O, rows) = wᶜᵀ(O, I) · xᶜ(I, rows),
        // where wᶜ is w read column-major as (I, O): hence transa = "T".
        int in = w.cols();
        int outDim = w.rows();
        blas.sgemm("T", "N", outDim, rows, in, 1.0f, w.data(), in, x, in, 0.0f, out, outDim);
    }

}
