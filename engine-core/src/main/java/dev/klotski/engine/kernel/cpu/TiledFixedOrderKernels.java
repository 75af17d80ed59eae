package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.Matrix;

/**
 * The shared loop of the batch-invariant kernels. Threads split the output columns into tiles, never the k
 * dimension; inside a tile, pairs of input rows meet pairs of weight rows in {@link #dot2x2} and leftovers go
 * through {@link #dot}. Both compute each element in the same fixed order, so neither the row count, a row's
 * position in the call, nor the thread count can change a row's bits.
 */
abstract class TiledFixedOrderKernels extends PooledKernels {
    /** Weight rows per tile: 32 rows of a 4096-wide layer are 512 KiB, about one core's L2. */
    private static final int WEIGHT_TILE = 32;

    TiledFixedOrderKernels(int threads) {
        super(threads);
    }

    @Override
    public final boolean batchInvariant() {
        return true;
    }

    @Override
    public final void matmul(float[] x, int rows, Matrix w, float[] out) {
        int in = w.cols();
        int outDim = w.rows();
        float[] wd = w.data();
        int tiles = (outDim + WEIGHT_TILE - 1) / WEIGHT_TILE;
        pool.parallelFor(tiles, (fromTile, toTile) -> {
            for (int tile = fromTile; tile < toTile; tile++) {
                int oStart = tile * WEIGHT_TILE;
                int oEnd = Math.min(outDim, oStart + WEIGHT_TILE);
                int r = 0;
                for (; r + 1 < rows; r += 2) {
                    int o = oStart;
                    for (; o + 1 < oEnd; o += 2) {
                        dot2x2(x, r * in, (r + 1) * in, wd, o * in, (o + 1) * in, in, out,
                                r * outDim + o, (r + 1) * outDim + o);
                    }
                    for (; o < oEnd; o++) {
                        out[r * outDim + o] = dot(x, r * in, wd, o * in, in);
                        out[(r + 1) * outDim + o] = dot(x, (r + 1) * in, wd, o * in, in);
                    }
                }
                for (; r < rows; r++) {
                    for (int o = oStart; o < oEnd; o++) {
                        out[r * outDim + o] = dot(x, r * in, wd, o * in, in);
                    }
                }
            }
        });
    }

    /** One element, in the implementation's fixed order. */
    abstract float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * Four elements at once (rows x0, x1 times weight rows w0, w1, written to out0, out0+1, out1, out1+1), each
     * bit-identical to {@link #dot}; sharing loads is what makes it faster.
     */
    abstract void dot2x2(float[] x, int x0, int x1, float[] w, int w0, int w1, int n, float[] out, int out0,
                         int out1);
}
