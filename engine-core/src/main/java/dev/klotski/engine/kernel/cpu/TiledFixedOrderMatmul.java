package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;

/**
 * The shared loop of the batch-invariant kernels. Threads split the output columns into tiles, never the k
 * dimension; inside a tile, pairs of input rows meet pairs of weight rows in {@link #dot2x2} and leftovers go
 * through {@link #dot}. Both compute each element in the same fixed order, so neither the row count, a row's
 * position in the call, nor the thread count can change a row's bits.
 *
 * <p>Every format has the same order: a compact weight row is first widened exactly (as {@link WeightRows}
 * defines it; q·d of an int8 or int4 quant and an f16 scale is exact in float32), then dotted in the float32
 * order. Widening a tile into a reused buffer and widening in registers therefore give the same bits.
 */
abstract class TiledFixedOrderMatmul implements MatmulKernel {
    /** Weight rows per tile: 32 rows of a 4096-wide layer are 512 KiB, about one core's L2. */
    static final int WEIGHT_TILE = 32;
    /** Products smaller than this many multiply-adds run on the calling thread: a hand-off costs more. */
    private static final long SERIAL_MACS = 1L << 17;

    private final ThreadPool pool;
    /** Per thread: one tile of compact weights widened to float32, (WEIGHT_TILE, in). */
    private final ThreadLocal<float[]> tileBuffers = ThreadLocal.withInitial(() -> new float[0]);

    TiledFixedOrderMatmul(ThreadPool pool) {
        this.pool = pool;
    }

    @Override
    public final boolean batchInvariant() {
        return true;
    }

    @Override
    public final void matmul(float[] x, int rows, WeightMatrix w, float[] out) {
        int outDim = w.rows();
        int tiles = (outDim + WEIGHT_TILE - 1) / WEIGHT_TILE;
        if ((long) rows * outDim * w.cols() < SERIAL_MACS) {
            tiles(x, rows, w, out, 0, tiles);
        } else {
            pool.parallelFor(tiles, (fromTile, toTile) -> tiles(x, rows, w, out, fromTile, toTile));
        }
    }

    private void tiles(float[] x, int rows, WeightMatrix w, float[] out, int fromTile, int toTile) {
        int in = w.cols();
        int outDim = w.rows();
        for (int tile = fromTile; tile < toTile; tile++) {
            int oStart = tile * WEIGHT_TILE;
            int oEnd = Math.min(outDim, oStart + WEIGHT_TILE);
            float[] wd;
            int base; // element index in wd of weight row oStart
            if (w.format() == WeightFormat.F32) {
                wd = w.floats();
                base = oStart * in;
            } else {
                wd = tileBuffer(WEIGHT_TILE * in);
                WeightRows.widen(w, oStart, oEnd - oStart, wd, 0);
                base = 0;
            }
            tile(x, rows, in, outDim, wd, base, oStart, oEnd, out);
        }
    }

    /** Output columns [oStart, oEnd) of all rows; weight row o starts at wd[base + (o - oStart) * in]. */
    private void tile(float[] x, int rows, int in, int outDim, float[] wd, int base, int oStart, int oEnd,
                      float[] out) {
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            int o = oStart;
            for (; o + 1 < oEnd; o += 2) {
                int w0 = base + (o - oStart) * in;
                dot2x2(x, r * in, (r + 1) * in, wd, w0, w0 + in, in, out, r * outDim + o, (r + 1) * outDim + o);
            }
            for (; o < oEnd; o++) {
                int w0 = base + (o - oStart) * in;
                out[r * outDim + o] = dot(x, r * in, wd, w0, in);
                out[(r + 1) * outDim + o] = dot(x, (r + 1) * in, wd, w0, in);
            }
        }
        for (; r < rows; r++) {
            for (int o = oStart; o < oEnd; o++) {
                out[r * outDim + o] = dot(x, r * in, wd, base + (o - oStart) * in, in);
            }
        }
    }

    private float[] tileBuffer(int floats) {
        float[] b = tileBuffers.get();
        if (b.length < floats) {
            b = new float[floats];
            tileBuffers.set(b);
        }
        return b;
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
