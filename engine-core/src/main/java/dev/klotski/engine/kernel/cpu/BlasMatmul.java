package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.ludovic.netlib.blas.BLAS;

/**
 * The fast path for products of many rows: a native BLAS (OpenBLAS) via netlib-java. Compact weights are
 * widened a tile of output rows at a time into one reused float32 buffer, so no float32 copy of a model is
 * ever held. Widening uses the fastest {@link TileWidener} the JVM offers (the SIMD one when the Vector API is
 * there), which makes it a small share of the product: measured on 2 cores for 64 rows of a 1024x2816 layer,
 * int8 took 12.5 ms with the scalar WeightRows widening and 4.9 ms now, as fast as f32 (5.1 ms); widening on
 * the pool's threads as well gained nothing measurable there, so it stays on the calling thread.
 * Not batch-invariant: OpenBLAS picks blocking and threading by problem size, so a row's bits depend on the
 * call's row count.
 */
final class BlasMatmul implements MatmulKernel {
    /** Output rows widened per sgemm call: 256 rows of a 4096-wide layer are 4 MiB of float32. */
    private static final int WIDEN_TILE = 256;

    private final BLAS blas;
    private final TileWidener widener;
    private float[] tile = new float[0]; // (WIDEN_TILE, in); calls come from one thread at a time per engine

    BlasMatmul(BLAS blas, TileWidener widener) {
        this.blas = blas;
        this.widener = widener;
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
    public synchronized void matmul(float[] x, int rows, WeightMatrix w, float[] out) {
        // Row-major out(rows, O) = x(rows, I) · wᵀ is column-major outᶜ(O, rows) = wᶜᵀ(O, I) · xᶜ(I, rows),
        // where wᶜ is w read column-major as (I, O): hence transa = "T".
        int in = w.cols();
        int outDim = w.rows();
        if (w.format() == WeightFormat.F32) {
            blas.sgemm("T", "N", outDim, rows, in, 1.0f, w.floats(), in, x, in, 0.0f, out, outDim);
            return;
        }
        if (tile.length < WIDEN_TILE * in) {
            tile = new float[WIDEN_TILE * in];
        }
        for (int o = 0; o < outDim; o += WIDEN_TILE) {
            int n = Math.min(WIDEN_TILE, outDim - o);
            widener.widen(w, o, n, tile, 0);
            // Columns [o, o + n) of the column-major (O, rows) output: offset o, leading dimension O.
            blas.sgemm("T", "N", n, rows, in, 1.0f, tile, 0, in, x, 0, in, 0.0f, out, o, outDim);
        }
    }
}
