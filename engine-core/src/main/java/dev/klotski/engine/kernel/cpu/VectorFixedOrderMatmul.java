package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.tensor.WeightMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.FMA;

/**
 * Batch-invariant kernels on SIMD lanes (the incubating Vector API). Each output element is one dot product
 * in an order fixed by design: two 8-lane accumulators take alternate 8-wide blocks of k, a last odd block
 * goes to the first, the rest of k is summed by scalar FMAs, and the lanes are added in a fixed tree. The
 * width is fixed at 256 bits (not the machine's preferred width), so the bits are the same on every x86
 * machine with AVX2 or AVX-512, not only from batch to batch. Only loaded when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}; {@link FixedOrderMatmul} serves otherwise.
 *
 * <p>Compact weights are widened in registers for few rows ({@link #tileInRegisters}) and by {@link
 * VectorWidening} into the tile buffer for more. Measured (2 cores, 2 threads, one 1024x2816 product, weights
 * streamed from DRAM): 1 row bf16 15.6 GB/s in registers vs 4.6 with the old scalar tile widening, int8 8.2 vs
 * 0.27, int4 5.7 vs 0.12, f16 7.8 vs 3.3 (f32: 17-20); 32 rows take 2.6-2.75 ms in every compact format
 * (f32 2.45, before 3.2-10.8).
 */
final class VectorFixedOrderMatmul extends TiledFixedOrderMatmul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = 8; // S.length(), a constant so the JIT unrolls the lane tree

    /** Per thread: lane scratch for the compact kernels' sums (4 x 8). */
    private final ThreadLocal<float[]> lanes = ThreadLocal.withInitial(() -> new float[4 * L]);

    VectorFixedOrderMatmul(ThreadPool pool) {
        super(pool, VectorWidening::widen);
    }

    @Override
    public String name() {
        return "fixed-order-simd";
    }

    /** The reference order for one element; {@link #dot2x2} computes four elements exactly like this. */
    @Override
    float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return orderedDot(a, aOff, b, bOff, n);
    }

    /** {@link #dot} as a static method, for other kernels that need the same order (attention's q·k). */
    static float orderedDot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int k = 0;
        for (; k + 2 * L <= n; k += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, FloatVector.fromArray(S, b, bOff + k), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L)
                    .lanewise(FMA, FloatVector.fromArray(S, b, bOff + k + L), acc1);
        }
        if (k + L <= n) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, FloatVector.fromArray(S, b, bOff + k), acc0);
            k += L;
        }
        float tail = 0f;
        for (; k < n; k++) {
            tail = Math.fma(a[aOff + k], b[bOff + k], tail);
        }
        return sumLanes(acc0.lanewise(ADD, acc1)) + tail;
    }

    @Override
    void dot2x2(float[] x, int x0, int x1, float[] w, int w0, int w1, int n, float[] out, int out0, int out1) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S); // (x0, w0)
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S); // (x0, w1)
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S); // (x1, w0)
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S); // (x1, w1)
        int k = 0;
        for (; k + 2 * L <= n; k += 2 * L) {
            FloatVector p = FloatVector.fromArray(S, x, x0 + k);
            FloatVector q = FloatVector.fromArray(S, x, x1 + k);
            FloatVector u = FloatVector.fromArray(S, w, w0 + k);
            FloatVector v = FloatVector.fromArray(S, w, w1 + k);
            a0 = p.lanewise(FMA, u, a0);
            b0 = p.lanewise(FMA, v, b0);
            c0 = q.lanewise(FMA, u, c0);
            d0 = q.lanewise(FMA, v, d0);
            p = FloatVector.fromArray(S, x, x0 + k + L);
            q = FloatVector.fromArray(S, x, x1 + k + L);
            u = FloatVector.fromArray(S, w, w0 + k + L);
            v = FloatVector.fromArray(S, w, w1 + k + L);
            a1 = p.lanewise(FMA, u, a1);
            b1 = p.lanewise(FMA, v, b1);
            c1 = q.lanewise(FMA, u, c1);
            d1 = q.lanewise(FMA, v, d1);
        }
        if (k + L <= n) {
            FloatVector p = FloatVector.fromArray(S, x, x0 + k);
            FloatVector q = FloatVector.fromArray(S, x, x1 + k);
            FloatVector u = FloatVector.fromArray(S, w, w0 + k);
            FloatVector v = FloatVector.fromArray(S, w, w1 + k);
            a0 = p.lanewise(FMA, u, a0);
            b0 = p.lanewise(FMA, v, b0);
            c0 = q.lanewise(FMA, u, c0);
            d0 = q.lanewise(FMA, v, d0);
            k += L;
        }
        float ta = 0f, tb = 0f, tc = 0f, td = 0f;
        for (; k < n; k++) {
            ta = Math.fma(x[x0 + k], w[w0 + k], ta);
            tb = Math.fma(x[x0 + k], w[w1 + k], tb);
            tc = Math.fma(x[x1 + k], w[w0 + k], tc);
            td = Math.fma(x[x1 + k], w[w1 + k], td);
        }
        out[out0] = sumLanes(a0.lanewise(ADD, a1)) + ta;
        out[out0 + 1] = sumLanes(b0.lanewise(ADD, b1)) + tb;
        out[out1] = sumLanes(c0.lanewise(ADD, c1)) + tc;
        out[out1 + 1] = sumLanes(d0.lanewise(ADD, d1)) + td;
    }

    // ---- compact formats widened in registers (VectorCompactDots); others go through the tile buffer ----

    /**
     * Few rows take compact weights widened in registers, each weight row read once for all of them: four input
     * rows at a time (int4: two pairs), three left as four with the last repeated (which writes the same bits
     * twice), one or two left by 1-row dots. More rows, or f16 past one row (its widening costs most, and the
     * tile buffer does it once for all rows), widen the tile once into the buffer; both give the same bits.
     */
    @Override
    boolean tileInRegisters(float[] x, int rows, WeightMatrix w, int oStart, int oEnd, float[] out) {
        if (rows > inRegisterRows(w)) {
            return false;
        }
        int in = w.cols();
        int outDim = w.rows();
        int last = rows - 1;
        float[] sums = lanes.get();
        for (int o = oStart; o < oEnd; o++) {
            int r = 0;
            for (; r + 3 < rows; r += 4) {
                dot4(x, in, r, r + 1, r + 2, r + 3, w, o, out, outDim, sums);
            }
            if (rows - r == 3) {
                dot4(x, in, r, r + 1, last, last, w, o, out, outDim, sums);
                continue;
            }
            for (; r < rows; r++) {
                out[r * outDim + o] = dot1(x, r * in, w, o, sums);
            }
        }
        return true;
    }

    /**
     * The most rows for which in-register widening beat the tile buffer (measured with one thread on 1024x2816,
     * in microseconds per product for 1, 2, 4 and 8 rows, in registers vs tile: bf16 246/514/585/1287 vs
     * 714/754/1069/1672, int8 370/707/708/1564 vs 860/791/1037/1636, int4 325/653/839/1707 vs 906/797/1065/1615,
     * f16 885/1817/1640/3415 vs 1074/1023/1315/1917). 0 where the kernels lack the layout: rows of 16·m values,
     * int8 groups of 16·m and int4 groups of 32 (whole block pairs, see VectorCompactDots).
     */
    private static int inRegisterRows(WeightMatrix w) {
        return switch (w.format()) {
            case BF16 -> w.cols() % (2 * L) == 0 ? 8 : 0;
            case F16 -> w.cols() % (2 * L) == 0 ? 1 : 0;
            case Q8 -> w.group() % (2 * L) == 0 ? 4 : 0;
            case Q4 -> w.group() == 32 ? 4 : 0;
            case F32 -> 0;
        };
    }

    /** {@link #dot} of x[xOff..] and weight row o of a compact w. */
    private static float dot1(float[] x, int xOff, WeightMatrix w, int o, float[] sums) {
        int in = w.cols();
        int g = w.group();
        return switch (w.format()) {
            case BF16 -> VectorCompactDots.dotBf16(x, xOff, w.halves(), o * in, in, sums);
            case F16 -> VectorCompactDots.dotF16(x, xOff, w.halves(), o * in, in, sums);
            case Q8 -> VectorCompactDots.dotQ8(x, xOff, w.quants(), o * in, w.scales(), o * (in / g), in, g, sums);
            case Q4 -> VectorCompactDots.dotQ4g32(x, xOff, w.quants(), o * (in / 2), w.scales(), o * (in / g), in,
                    sums);
            case F32 -> throw new IllegalArgumentException("f32 needs no widening");
        };
    }

    /** Input rows r0..r3 times weight row o of a compact w (not f16), to their output columns o. */
    private static void dot4(float[] x, int in, int r0, int r1, int r2, int r3, WeightMatrix w, int o, float[] out,
                             int outDim, float[] sums) {
        int g = w.group();
        int x0 = r0 * in, x1 = r1 * in, x2 = r2 * in, x3 = r3 * in;
        int o0 = r0 * outDim + o, o1 = r1 * outDim + o, o2 = r2 * outDim + o, o3 = r3 * outDim + o;
        switch (w.format()) {
            case BF16 -> VectorCompactDots.dot4Bf16(x, x0, x1, x2, x3, w.halves(), o * in, in, out, o0, o1, o2, o3,
                    sums);
            case Q8 -> VectorCompactDots.dot4Q8(x, x0, x1, x2, x3, w.quants(), o * in, w.scales(), o * (in / g), in,
                    g, out, o0, o1, o2, o3, sums);
            case Q4 -> {
                VectorCompactDots.dot2Q4g32(x, x0, x1, w.quants(), o * (in / 2), w.scales(), o * (in / g), in, out,
                        o0, o1, sums);
                VectorCompactDots.dot2Q4g32(x, x2, x3, w.quants(), o * (in / 2), w.scales(), o * (in / g), in, out,
                        o2, o3, sums);
            }
            case F16, F32 -> throw new IllegalArgumentException(w.format() + " has no 4-row in-register kernel");
        }
    }

    /** A fixed addition tree over the 8 lanes (reduceLanes leaves its order unspecified). */
    static float sumLanes(FloatVector v) {
        return ((v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3))) + ((v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7)));
    }
}
