package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.HalfFloats;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.FMA;

/**
 * The fast mode's products of up to 64 rows on BF16 and int8 weights, free of the fixed order (with OpenBLAS
 * present only the products of up to {@link SplitMatmul#SMALL_ROWS} rows come here). bf16: one 256-bit load is
 * read as eight ints, 16 values (each int's low half an even element, its high half the next odd one: a shift and
 * a mask give two float vectors), and the input rows are reordered once per call to match. int8: QL bytes convert
 * to QL floats (16 where the machine has 512-bit vectors, else 8) and the input is taken as it is. The fixed-order
 * kernels instead convert 128- or 64-bit pieces lane by lane, and that conversion, not memory, bounded them (4.7
 * GMAC/s on one core on a cache-resident 32000x128 bf16 matrix). Few input rows are bound by memory: two or four
 * weight rows, far apart so that each is a long sequential stream, share every input load ({@link #bf16Rows},
 * {@link #q8Rows}). More rows are bound by compute: two weight rows meet four input rows at a time ({@link
 * #batch}). Measured in isolation on one core, one row: bf16 32000x128 6.4 against 3.2 GMAC/s, 2816x1024 12.4
 * against 6.4 (20 GB/s from memory with the streams). Other formats go to the fixed-order kernels. Lanes are
 * summed by reduceLanes, as the fast mode needs no fixed tree: on the 32000x128 LM head (128 values per row, so
 * one sum per 128 multiply-adds) one core reached 22 GB/s against 16 with lanes stored and added.
 * <p>The vector code follows the package's rules (see package-info): the bf16 kernels call lanewise, keep only
 * small single-shape helpers (pairs, low, high) and sum their lanes in place; the int8 kernels, the only 512-bit
 * code, keep the fma and mul forms (their lanewise form was boxed in 4 runs of 6 at 32 sequences).
 */
final class FastSmallMatmul implements MatmulKernel {
    /**
     * The most input rows taken here: a bf16 product copies its input into the weights' lane order, and past this
     * the copy would grow with the pass (a 2048-token pass of a 14336-wide layer: 117 MB per thread). Larger
     * products go to OpenBLAS (SplitMatmul sends only up to 32 rows here) or, without it, to the fixed-order
     * kernels.
     */
    private static final int MAX_ROWS = 64;
    /**
     * From this many int8 input rows on, the 4x2 kernel ({@link #batch}) beats the streams of {@link #q8Rows};
     * bf16 switches at four rows, where the memory-bound streams of {@link #bf16Rows} stop winning.
     */
    private static final int MIN_Q8_BATCH_ROWS = 3;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;
    private static final int L = 8;
    /** The values one bf16 weight load holds. */
    private static final int BF16_BLOCK = 2 * L;
    /**
     * int8 weights widen by conversion (vpmovsxbd and vcvtdq2ps): QL bytes to QL floats, 16 where the machine has
     * 512-bit vectors, else 8. A Xeon with AVX-512, 2816x1024 int8 from memory, one input row, GB/s: one core 3.9
     * with the 256-bit shifts this replaced (seven shifts and four conversions per 32 values), 8.7 converted at
     * 512 bits; two cores 7.2 against 15.3. Converted at 256 bits it was no faster than the shifts.
     */
    private static final VectorSpecies<Float> QF =
            FloatVector.SPECIES_PREFERRED.length() >= 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    private static final VectorSpecies<Byte> QB = QF.length() == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final int QL = QF.length();
    /** The smallest int8 group taken: the kernels read 2·QL values (at most 32) under one scale. */
    private static final int Q8_BLOCK = 32;
    /** Weight rows per parallel chunk unit: 16 rows of a 1024-wide layer are 32 KiB, one core's L1. */
    private static final int TILE = 16;
    /** Parallel ranges per thread, claimed as threads get free (a 2816-row product: 8 ranges of 352 rows). */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Input floats per row block of batch(): 256 KiB, well inside one core's L2 (32 rows of 2048). */
    private static final int ROW_BLOCK_FLOATS = 64 * 1024;
    /** From this row width on, bf16 rows are read as two streams, not four (see bf16Rows). */
    private static final int WIDE_ROW = 512;

    private final MatmulKernel fallback;
    private final ThreadPool pool;
    /** Per calling thread: the input rows in the kernels' order, (rows, in). */
    private final ThreadLocal<float[]> reordered = ThreadLocal.withInitial(() -> new float[0]);

    FastSmallMatmul(MatmulKernel fallback, ThreadPool pool) {
        this.fallback = fallback;
        this.pool = pool;
    }

    @Override
    public String name() {
        return "fast-simd";
    }

    @Override
    public boolean batchInvariant() {
        return false;
    }

    @Override
    public void matmul(float[] x, int rows, WeightMatrix w, float[] out) {
        int block = rows <= MAX_ROWS ? block(w) : 0;
        if (block == 0) {
            fallback.matmul(x, rows, w, out);
            return;
        }
        int in = w.cols();
        float[] xr = w.format() == WeightFormat.BF16 ? reorder(x, rows * in, block) : x;
        int tiles = (w.rows() + TILE - 1) / TILE;
        if ((long) rows * w.rows() * in < TiledFixedOrderMatmul.SERIAL_MACS) {
            tiles(xr, rows, w, out, 0, tiles);
        } else {
            pool.parallelForClaimed(tiles, CHUNKS_PER_THREAD, (from, to) -> tiles(xr, rows, w, out, from, to));
        }
    }

    /** log2 of an int8 matrix's group size: the value index shifted by it is the group's. */
    private static int groupShift(WeightMatrix w) {
        return Integer.numberOfTrailingZeros(w.group());
    }

    /** The values per weight block for w's layout here, or 0 where these kernels do not take the product. */
    private static int block(WeightMatrix w) {
        return switch (w.format()) {
            case BF16 -> w.cols() % BF16_BLOCK == 0 ? BF16_BLOCK : 0;
            // A power-of-two group, so a block's scale is found by a shift: a division per block cost a third.
            case Q8 -> w.group() % Q8_BLOCK == 0 && Integer.bitCount(w.group()) == 1 ? Q8_BLOCK : 0;
            default -> 0;
        };
    }

    /**
     * x's values in the order bf16 weights widen in: within each block of 16 values, the even positions first,
     * then the odd ones. int8 weights convert in order and take x as it is.
     */
    private float[] reorder(float[] x, int n, int block) {
        float[] xr = reordered.get();
        if (xr.length < n) {
            xr = new float[n];
            reordered.set(xr);
        }
        int stride = block / L;
        for (int b = 0; b < n; b += block) {
            for (int m = 0; m < stride; m++) {
                for (int j = 0; j < L; j++) {
                    xr[b + m * L + j] = x[b + stride * j + m];
                }
            }
        }
        return xr;
    }

    private void tiles(float[] xr, int rows, WeightMatrix w, float[] out, int fromTile, int toTile) {
        int oFrom = fromTile * TILE;
        int oTo = Math.min(w.rows(), toTile * TILE);
        boolean bf16 = w.format() == WeightFormat.BF16;
        if (rows >= (bf16 ? 4 : MIN_Q8_BATCH_ROWS)) {
            batch(xr, rows, w, out, oFrom, oTo);
            return;
        }
        if (bf16) {
            bf16Rows(xr, rows, w, out, oFrom, oTo);
        } else {
            q8Rows(xr, rows, w, out, oFrom, oTo);
        }
    }

    /**
     * Weight rows [oFrom, oTo) of an int8 product of one or two input rows, read as two long streams as in {@link
     * #bf16Rows}: row i of each half of the range together. One core, 2816x1024 from memory: 8.4 GB/s against
     * 7.2 a row at a time; two cores 16.2 against 14.3. Rows are left over only at the matrix's end, and each
     * half of {@link #dot1x2Q8} computes a row alike, so a row's bits ignore the thread count.
     */
    private static void q8Rows(float[] x, int rows, WeightMatrix w, float[] out, int oFrom, int oTo) {
        int in = w.cols();
        int outDim = w.rows();
        int groups = in / w.group();
        int shift = groupShift(w);
        byte[] q = w.quants();
        short[] s = w.scales();
        int part = (oTo - oFrom) / 2;
        for (int i = 0; i < part; i++) {
            int o0 = oFrom + i;
            int o1 = o0 + part;
            for (int r = 0; r < rows; r++) {
                dot1x2Q8(x, r * in, q, o0 * in, o1 * in, s, o0 * groups, o1 * groups, in, shift, out,
                        r * outDim + o0, part);
            }
        }
        for (int o = oFrom + 2 * part; o < oTo; o++) {
            for (int r = 0; r < rows; r++) {
                // the row twice, to one output: the arithmetic of either half of a pair
                dot1x2Q8(x, r * in, q, o * in, o * in, s, o * groups, o * groups, in, shift, out, r * outDim + o, 0);
            }
        }
    }

    /**
     * Weight rows [oFrom, oTo) of a bf16 product, read as several long sequential streams at once: the range is
     * cut into equal parts and row i of every part is computed together, sharing the input loads. Rows next to
     * each other would be four streams of one row each (2 KiB at 1024 wide), too short for the hardware
     * prefetcher: one core read 8.3 GB/s of 1024-wide weights from memory that way, against 20 GB/s with two
     * long streams (17.7 with four). Narrow rows (the tiny model's 32000x128 LM head, cache-resident) gain from
     * four streams' shared input loads: 27 GB/s against 22 with two.
     */
    private static void bf16Rows(float[] xr, int rows, WeightMatrix w, float[] out, int oFrom, int oTo) {
        int in = w.cols();
        int outDim = w.rows();
        short[] h = w.halves();
        boolean wide = in >= WIDE_ROW && in % (2 * BF16_BLOCK) == 0;
        int streams = wide ? 2 : 4;
        int part = (oTo - oFrom) / streams;
        for (int i = 0; i < part; i++) {
            int o0 = oFrom + i;
            for (int r = 0; r < rows; r++) {
                int xOff = r * in;
                int at = r * outDim + o0;
                if (wide) {
                    dot1x2(xr, xOff, h, o0 * in, part * in, in, out, at, part);
                } else {
                    dot1x4(xr, xOff, h, o0 * in, part * in, in, out, at, part);
                }
            }
        }
        // Ranges are whole tiles (16 rows) but the matrix's last, so rows are left over only at the matrix's end,
        // wherever the threads' ranges fall: a row's arithmetic does not depend on the thread count.
        for (int o = oFrom + streams * part; o < oTo; o++) {
            for (int r = 0; r < rows; r++) {
                out[r * outDim + o] = dot(xr, r * in, h, o * in, in);
            }
        }
    }

    /**
     * Weight rows [oFrom, oTo) of a product of many input rows (decode steps of many sequences, the experts' share
     * of them), bound by compute: two weight rows, far apart as in {@link #bf16Rows}, meet four input rows at a
     * time ({@link #dot4x2}, {@link #dot4x2Q8}), widened once in registers for all four, while the two rows stay
     * in L1 for the next four. Input rows go in blocks that fit L2, so wide products do not stream the whole input
     * per weight row. One core, bf16 2816x1024, GMAC/s against the fixed-order kernels: 8 rows 15-17 against 12,
     * 16 and 32 rows 20.5 against 13. Every row goes through the 4-row kernel (rows left past a multiple of four
     * are repeated), so a row's bits do not depend on its position in the call.
     */
    private static void batch(float[] xr, int rows, WeightMatrix w, float[] out, int oFrom, int oTo) {
        int part = (oTo - oFrom) / 2;
        int block = Math.max(4, Math.min(32, ROW_BLOCK_FLOATS / w.cols() / 4 * 4));
        for (int rFrom = 0; rFrom < rows; rFrom += block) {
            int rTo = Math.min(rows, rFrom + block);
            for (int i = 0; i < part; i++) {
                int o0 = oFrom + i;
                dot4Rows(xr, rFrom, rTo, w, o0, o0 + part, out);
            }
            if (oFrom + 2 * part < oTo) { // an odd row count: the last weight row twice
                dot4Rows(xr, rFrom, rTo, w, oTo - 1, oTo - 1, out);
            }
        }
    }

    /** Input rows [rFrom, rTo) times weight rows o0 and o1, four input rows at a time, the last repeated. */
    private static void dot4Rows(float[] xr, int rFrom, int rTo, WeightMatrix w, int o0, int o1, float[] out) {
        int in = w.cols();
        int outDim = w.rows();
        int last = rTo - 1;
        for (int r = rFrom; r < rTo; r += 4) {
            int r1 = Math.min(r + 1, last), r2 = Math.min(r + 2, last), r3 = Math.min(r + 3, last);
            int x0 = r * in, x1 = r1 * in, x2 = r2 * in, x3 = r3 * in;
            int out0 = r * outDim + o0, out1 = r1 * outDim + o0, out2 = r2 * outDim + o0, out3 = r3 * outDim + o0;
            if (w.format() == WeightFormat.BF16) {
                dot4x2(xr, x0, x1, x2, x3, w.halves(), o0 * in, o1 * in, in, out, out0, out1, out2, out3, o1 - o0);
            } else {
                int groups = in / w.group();
                dot4x2Q8(xr, x0, x1, x2, x3, w.quants(), o0 * in, o1 * in, w.scales(), o0 * groups, o1 * groups, in,
                        groupShift(w), out, out0, out1, out2, out3, o1 - o0);
            }
        }
    }

    /**
     * Reordered input rows at xr[x0..], xr[x1..], xr[x2..], xr[x3..] times the bf16 weight rows at h[w0..] and
     * h[w1..]: input row j's outputs go to out[oj] (weight row w0) and out[oj + step] (w1). One accumulator per
     * output takes both halves of each 16-value block.
     */
    private static void dot4x2(float[] xr, int x0, int x1, int x2, int x3, short[] h, int w0, int w1, int n,
                               float[] out, int o0, int o1, int o2, int o3, int step) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        for (int k = 0; k < n; k += BF16_BLOCK) {
            IntVector p = pairs(h, w0 + k);
            IntVector q = pairs(h, w1 + k);
            FloatVector l0 = low(p), h0 = high(p), l1 = low(q), h1 = high(q);
            FloatVector even = FloatVector.fromArray(F, xr, x0 + k);
            FloatVector odd = FloatVector.fromArray(F, xr, x0 + k + L);
            a0 = odd.lanewise(FMA, h0, even.lanewise(FMA, l0, a0));
            a1 = odd.lanewise(FMA, h1, even.lanewise(FMA, l1, a1));
            even = FloatVector.fromArray(F, xr, x1 + k);
            odd = FloatVector.fromArray(F, xr, x1 + k + L);
            b0 = odd.lanewise(FMA, h0, even.lanewise(FMA, l0, b0));
            b1 = odd.lanewise(FMA, h1, even.lanewise(FMA, l1, b1));
            even = FloatVector.fromArray(F, xr, x2 + k);
            odd = FloatVector.fromArray(F, xr, x2 + k + L);
            c0 = odd.lanewise(FMA, h0, even.lanewise(FMA, l0, c0));
            c1 = odd.lanewise(FMA, h1, even.lanewise(FMA, l1, c1));
            even = FloatVector.fromArray(F, xr, x3 + k);
            odd = FloatVector.fromArray(F, xr, x3 + k + L);
            d0 = odd.lanewise(FMA, h0, even.lanewise(FMA, l0, d0));
            d1 = odd.lanewise(FMA, h1, even.lanewise(FMA, l1, d1));
        }
        // Summed here, not in a helper taking the eight vectors: C2 once refused to inline one
        // (NodeCountInliningCutoff), and it ran boxed until compiled on its own, seconds later.
        out[o0] = a0.reduceLanes(ADD);
        out[o0 + step] = a1.reduceLanes(ADD);
        out[o1] = b0.reduceLanes(ADD);
        out[o1 + step] = b1.reduceLanes(ADD);
        out[o2] = c0.reduceLanes(ADD);
        out[o2 + step] = c1.reduceLanes(ADD);
        out[o3] = d0.reduceLanes(ADD);
        out[o3 + step] = d1.reduceLanes(ADD);
    }

    /**
     * {@link #dot4x2} on int8 weights: quants at q[w0..] and q[w1..], f16 scales from s[s0..] and s[s1..], one per
     * group of 2^shift values (at least 32); x in its own order. Each QL quants convert to a float vector, scaled by
     * the group's scale before the multiply-adds: q·d is exact in float32, so the scaling costs no accuracy and the
     * accumulators need no per-group sum.
     */
    private static void dot4x2Q8(float[] x, int x0, int x1, int x2, int x3, byte[] q, int w0, int w1, short[] s,
                                 int s0, int s1, int n, int shift, float[] out, int o0, int o1, int o2, int o3,
                                 int step) {
        FloatVector a0 = FloatVector.zero(QF), a1 = FloatVector.zero(QF);
        FloatVector b0 = FloatVector.zero(QF), b1 = FloatVector.zero(QF);
        FloatVector c0 = FloatVector.zero(QF), c1 = FloatVector.zero(QF);
        FloatVector d0 = FloatVector.zero(QF), d1 = FloatVector.zero(QF);
        for (int j = 0; j < n; j += QL) { // one flat loop: a nested one over a block's slices was not intrinsified
            FloatVector v = ((FloatVector) ByteVector.fromArray(QB, q, w0 + j).convertShape(B2F, QF, 0))
                    .mul(FloatVector.broadcast(QF, HalfFloats.f16ToFloatFast(s[s0 + (j >>> shift)])));
            FloatVector t = ((FloatVector) ByteVector.fromArray(QB, q, w1 + j).convertShape(B2F, QF, 0))
                    .mul(FloatVector.broadcast(QF, HalfFloats.f16ToFloatFast(s[s1 + (j >>> shift)])));
            FloatVector xv = FloatVector.fromArray(QF, x, x0 + j);
            a0 = xv.fma(v, a0);
            a1 = xv.fma(t, a1);
            xv = FloatVector.fromArray(QF, x, x1 + j);
            b0 = xv.fma(v, b0);
            b1 = xv.fma(t, b1);
            xv = FloatVector.fromArray(QF, x, x2 + j);
            c0 = xv.fma(v, c0);
            c1 = xv.fma(t, c1);
            xv = FloatVector.fromArray(QF, x, x3 + j);
            d0 = xv.fma(v, d0);
            d1 = xv.fma(t, d1);
        }
        out[o0] = a0.reduceLanes(ADD);
        out[o0 + step] = a1.reduceLanes(ADD);
        out[o1] = b0.reduceLanes(ADD);
        out[o1 + step] = b1.reduceLanes(ADD);
        out[o2] = c0.reduceLanes(ADD);
        out[o2 + step] = c1.reduceLanes(ADD);
        out[o3] = d0.reduceLanes(ADD);
        out[o3 + step] = d1.reduceLanes(ADD);
    }

    /**
     * Reordered input row at xr[xOff..] times the bf16 weight rows at h[w0..], h[w0 + stride..] and two more
     * strides on, to out[o], out[o + step], out[o + 2·step] and out[o + 3·step].
     */
    private static void dot1x4(float[] xr, int xOff, short[] h, int w0, int stride, int n, float[] out, int o,
                               int step) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
        FloatVector d0 = FloatVector.zero(F), d1 = FloatVector.zero(F);
        int w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        for (int k = 0; k < n; k += BF16_BLOCK) {
            FloatVector even = FloatVector.fromArray(F, xr, xOff + k);
            FloatVector odd = FloatVector.fromArray(F, xr, xOff + k + L);
            IntVector p = pairs(h, w0 + k);
            a0 = even.lanewise(FMA, low(p), a0);
            a1 = odd.lanewise(FMA, high(p), a1);
            p = pairs(h, w1 + k);
            b0 = even.lanewise(FMA, low(p), b0);
            b1 = odd.lanewise(FMA, high(p), b1);
            p = pairs(h, w2 + k);
            c0 = even.lanewise(FMA, low(p), c0);
            c1 = odd.lanewise(FMA, high(p), c1);
            p = pairs(h, w3 + k);
            d0 = even.lanewise(FMA, low(p), d0);
            d1 = odd.lanewise(FMA, high(p), d1);
        }
        out[o] = a0.lanewise(ADD, a1).reduceLanes(ADD);
        out[o + step] = b0.lanewise(ADD, b1).reduceLanes(ADD);
        out[o + 2 * step] = c0.lanewise(ADD, c1).reduceLanes(ADD);
        out[o + 3 * step] = d0.lanewise(ADD, d1).reduceLanes(ADD);
    }

    /**
     * Reordered input row at xr[xOff..] times the bf16 weight rows at h[w0..] and h[w0 + stride..], to out[o]
     * and out[o + step]; 32 values per step, so each row has four accumulators. n = 32·m.
     */
    private static void dot1x2(float[] xr, int xOff, short[] h, int w0, int stride, int n, float[] out, int o,
                               int step) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        FloatVector b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        FloatVector b2 = FloatVector.zero(F), b3 = FloatVector.zero(F);
        int w1 = w0 + stride;
        for (int k = 0; k < n; k += 2 * BF16_BLOCK) {
            FloatVector even0 = FloatVector.fromArray(F, xr, xOff + k);
            FloatVector odd0 = FloatVector.fromArray(F, xr, xOff + k + L);
            FloatVector even1 = FloatVector.fromArray(F, xr, xOff + k + 2 * L);
            FloatVector odd1 = FloatVector.fromArray(F, xr, xOff + k + 3 * L);
            IntVector p = pairs(h, w0 + k);
            a0 = even0.lanewise(FMA, low(p), a0);
            a1 = odd0.lanewise(FMA, high(p), a1);
            p = pairs(h, w0 + k + BF16_BLOCK);
            a2 = even1.lanewise(FMA, low(p), a2);
            a3 = odd1.lanewise(FMA, high(p), a3);
            p = pairs(h, w1 + k);
            b0 = even0.lanewise(FMA, low(p), b0);
            b1 = odd0.lanewise(FMA, high(p), b1);
            p = pairs(h, w1 + k + BF16_BLOCK);
            b2 = even1.lanewise(FMA, low(p), b2);
            b3 = odd1.lanewise(FMA, high(p), b3);
        }
        out[o] = a0.lanewise(ADD, a1).lanewise(ADD, a2.lanewise(ADD, a3)).reduceLanes(ADD);
        out[o + step] = b0.lanewise(ADD, b1).lanewise(ADD, b2.lanewise(ADD, b3)).reduceLanes(ADD);
    }

    /** One reordered input row times one bf16 weight row (the rows left past a multiple of the streams). */
    private static float dot(float[] xr, int xOff, short[] h, int w0, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int k = 0; k < n; k += BF16_BLOCK) {
            IntVector p = pairs(h, w0 + k);
            a0 = FloatVector.fromArray(F, xr, xOff + k).lanewise(FMA, low(p), a0);
            a1 = FloatVector.fromArray(F, xr, xOff + k + L).lanewise(FMA, high(p), a1);
        }
        return a0.lanewise(ADD, a1).reduceLanes(ADD);
    }

    /**
     * Input row at x[xOff..] times the int8 weight rows at q[q0..] and q[q1..] (f16 scales from s[s0..], s[s1..],
     * one per group of 2^shift values), to out[o] and out[o + step]. Each QL quants convert to floats and take
     * their group's scale (exact, as in {@link #dot4x2Q8}); each row has two accumulators. Written out, with no
     * vector helper (see the class comment).
     */
    private static void dot1x2Q8(float[] x, int xOff, byte[] q, int q0, int q1, short[] s, int s0, int s1, int n,
                                 int shift, float[] out, int o, int step) {
        FloatVector a0 = FloatVector.zero(QF), a1 = FloatVector.zero(QF);
        FloatVector b0 = FloatVector.zero(QF), b1 = FloatVector.zero(QF);
        for (int j = 0; j < n; j += 2 * QL) { // both slices in one group: groups hold 32 values or more
            FloatVector d = FloatVector.broadcast(QF, HalfFloats.f16ToFloatFast(s[s0 + (j >>> shift)]));
            FloatVector e = FloatVector.broadcast(QF, HalfFloats.f16ToFloatFast(s[s1 + (j >>> shift)]));
            FloatVector x0 = FloatVector.fromArray(QF, x, xOff + j);
            FloatVector x1 = FloatVector.fromArray(QF, x, xOff + j + QL);
            a0 = x0.fma(((FloatVector) ByteVector.fromArray(QB, q, q0 + j).convertShape(B2F, QF, 0)).mul(d), a0);
            a1 = x1.fma(((FloatVector) ByteVector.fromArray(QB, q, q0 + j + QL).convertShape(B2F, QF, 0)).mul(d), a1);
            b0 = x0.fma(((FloatVector) ByteVector.fromArray(QB, q, q1 + j).convertShape(B2F, QF, 0)).mul(e), b0);
            b1 = x1.fma(((FloatVector) ByteVector.fromArray(QB, q, q1 + j + QL).convertShape(B2F, QF, 0)).mul(e), b1);
        }
        out[o] = a0.add(a1).reduceLanes(ADD);
        out[o + step] = b0.add(b1).reduceLanes(ADD);
    }

    /** bf16 values h[off..off+16) as eight ints: element 2j in int j's low half, element 2j+1 in its high half. */
    private static IntVector pairs(short[] h, int off) {
        return (IntVector) ShortVector.fromArray(H, h, off).reinterpretAsInts();
    }

    /** The even elements: a bf16's bits are the top half of a float32. */
    private static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd elements, already in the top half. */
    private static FloatVector high(IntVector pairs) {
        return pairs.and(0xFFFF0000).reinterpretAsFloats();
    }
}
