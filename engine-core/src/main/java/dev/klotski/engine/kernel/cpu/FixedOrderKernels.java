package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/**
 * Batch-invariant kernels in plain Java. Each output element is one dot product whose summation order is
 * fixed by design: four interleaved partial sums over k (lane = k mod 4), combined as (s0 + s1) + (s2 + s3).
 * Threads split the output columns, never the k dimension, so neither the row count, a row's position in
 * the call, nor the thread count can change a row's bits.
 */
public final class FixedOrderKernels implements Kernels {
    /** Weight rows per tile: 32 rows of a 4096-wide layer are 512 KiB, about one core's L2. */
    private static final int WEIGHT_TILE = 32;

    private final ThreadPool pool;

    public FixedOrderKernels(int threads) {
        this.pool = new ThreadPool(threads);
    }

    @Override
    public String name() {
        return "fixed-order";
    }

    @Override
    public boolean batchInvariant() {
        return true;
    }

    @Override
    public void matmul(float[] x, int rows, Matrix w, float[] out) {
        int in = w.cols();
        int outDim = w.rows();
        float[] wd = w.data();
        int tiles = (outDim + WEIGHT_TILE - 1) / WEIGHT_TILE;
        pool.parallelFor(tiles, (fromTile, toTile) -> {
            for (int tile = fromTile; tile < toTile; tile++) {
                int oStart = tile * WEIGHT_TILE;
                int oEnd = Math.min(outDim, oStart + WEIGHT_TILE);
                for (int r = 0; r < rows; r++) {
                    int xOff = r * in;
                    int outOff = r * outDim;
                    for (int o = oStart; o < oEnd; o++) {
                        out[outOff + o] = dot(x, xOff, wd, o * in, in);
                    }
                }
            }
        });
    }

    /** The one dot product every output element goes through. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 = Math.fma(a[aOff + k], b[bOff + k], s0);
            s1 = Math.fma(a[aOff + k + 1], b[bOff + k + 1], s1);
            s2 = Math.fma(a[aOff + k + 2], b[bOff + k + 2], s2);
            s3 = Math.fma(a[aOff + k + 3], b[bOff + k + 3], s3);
        }
        for (; k < n; k++) {
            s0 = Math.fma(a[aOff + k], b[bOff + k], s0);
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void parallelFor(int n, RangeBody body) {
        pool.parallelFor(n, body);
    }

    @Override
    public void close() {
        pool.close();
    }
}
