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
 * order. Widening a tile into a reused buffer and widening in registers therefore give the same bits, and an
 * implementation may pick either per call (by row count) without breaking batch invariance: a subclass takes a
 * tile in registers through {@link #tileInRegisters}, and otherwise its {@link TileWidener} fills the buffer.
 */
abstract class TiledFixedOrderMatmul implements MatmulKernel {
    /** Weight rows per tile: 32 rows of a 4096-wide layer are 512 KiB, about one core's L2. */
    static final int WEIGHT_TILE = 32;
    /** Products smaller than this many multiply-adds run on the calling thread: a hand-off costs more. */
    static final long SERIAL_MACS = 1L << 17;

    private final ThreadPool pool;
    private final TileWidener widener;
    /** Per thread: one tile of compact weights widened to float32, (WEIGHT_TILE, in). */
    private final ThreadLocal<float[]> tileBuffers = ThreadLocal.withInitial(() -> new float[0]);

    TiledFixedOrderMatmul(ThreadPool pool, TileWidener widener) {
        this.pool = pool;
        this.widener = widener;
    }

    /** How this implementation widens compact weight rows into float32 (exactly, as all of them do). */
    final TileWidener widener() {
        return widener;
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
            if (w.format() == WeightFormat.F32) {
                tile(x, rows, in, outDim, w.floats(), oStart * in, oStart, oEnd, out);
            } else if (!tileInRegisters(x, rows, w, oStart, oEnd, out)) {
                float[] wd = tileBuffer(WEIGHT_TILE * in);
                widener.widen(w, oStart, oEnd - oStart, wd, 0);
                tile(x, rows, in, outDim, wd, 0, oStart, oEnd, out);
            }
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

    /**
     * Computes output columns [oStart, oEnd) of all rows from a compact w, widening in registers, and returns
     * true; or returns false to have the tile widened into a buffer instead. Either way the bits must be those of
     * the float32 {@link #tile} on the widened rows. This default always declines.
     */
    boolean tileInRegisters(float[] x, int rows, WeightMatrix w, int oStart, int oEnd, float[] out) {
        return false;
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
