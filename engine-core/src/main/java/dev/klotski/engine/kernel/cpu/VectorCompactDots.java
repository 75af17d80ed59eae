package dev.klotski.engine.kernel.cpu;

import static dev.klotski.engine.kernel.cpu.VectorWidening.F;
import static dev.klotski.engine.kernel.cpu.VectorWidening.L;
import static dev.klotski.engine.kernel.cpu.VectorWidening.bf16;
import static dev.klotski.engine.kernel.cpu.VectorWidening.f16;
import static dev.klotski.engine.kernel.cpu.VectorWidening.high;
import static dev.klotski.engine.kernel.cpu.VectorWidening.low;
import static dev.klotski.engine.kernel.cpu.VectorWidening.nibbles;
import static dev.klotski.engine.kernel.cpu.VectorWidening.q8;

import dev.klotski.engine.tensor.HalfFloats;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.FMA;

/**
 * {@link VectorFixedOrderMatmul}'s dot products on compact weight rows widened in registers. {@code dot*} is its
 * {@code dot}; {@code dot4*} (bf16, int8) and {@code dot2*} (int4) are four or two of them sharing each widened
 * weight block. Every element follows exactly the float32 order (two accumulators on alternate 8-wide blocks,
 * the fixed lane tree) on exactly the widened values. The rows have whole block pairs (16·m values; int8 groups
 * of 16·m, int4 groups of 32), so there is no odd block and no tail: {@code + 0f} is the float32 code's empty
 * tail. Other layouts go through the tile buffer.
 *
 * <p>Written to keep JDK 17's C2 from boxing vectors, which costs 4-8x and allocates: one flat loop per method
 * (a loop nested per group boxed the accumulators), no vector chosen by a branch (and no shift by a variable
 * count, which ran slowly), lanes summed from a scratch array rather than eight lane extractions, and bodies
 * small enough for C2's inlining node budget (past it C2 stops inlining and boxes what it hands on: a 2x2
 * variant, an f16 or int4 4-row kernel, or odd-block and tail code went past it). The methods follow one pattern
 * per kind; keep them alike when editing one.
 */
final class VectorCompactDots {
    private static final VectorSpecies<Float> S = F;

    private VectorCompactDots() {
    }

    /**
     * {@link VectorFixedOrderMatmul#sumLanes}'s tree on lanes stored to lanes[at..at+8): the same sums, in far
     * fewer C2 nodes than eight lane extractions.
     */
    static float sumLanes(float[] lanes, int at) {
        return ((lanes[at] + lanes[at + 1]) + (lanes[at + 2] + lanes[at + 3]))
                + ((lanes[at + 4] + lanes[at + 5]) + (lanes[at + 6] + lanes[at + 7]));
    }

    /** {@link VectorFixedOrderMatmul#dot} of a[aOff..] and the bf16 row at h[wOff..]; n = 16·m. */
    static float dotBf16(float[] a, int aOff, short[] h, int wOff, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        for (int k = 0; k < n; k += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, bf16(h, wOff + k), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L).lanewise(FMA, bf16(h, wOff + k + L), acc1);
        }
        acc0.lanewise(ADD, acc1).intoArray(lanes, 0);
        return sumLanes(lanes, 0) + 0f;
    }

    /** Four {@link #dotBf16}s: rows x0..x3 of x times one bf16 row, to out[o0..o3]. */
    static void dot4Bf16(float[] x, int x0, int x1, int x2, int x3, short[] h, int wOff, int n, float[] out,
                         int o0, int o1, int o2, int o3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
        for (int k = 0; k < n; k += 2 * L) {
            FloatVector u = bf16(h, wOff + k);
            a0 = FloatVector.fromArray(S, x, x0 + k).lanewise(FMA, u, a0);
            b0 = FloatVector.fromArray(S, x, x1 + k).lanewise(FMA, u, b0);
            c0 = FloatVector.fromArray(S, x, x2 + k).lanewise(FMA, u, c0);
            d0 = FloatVector.fromArray(S, x, x3 + k).lanewise(FMA, u, d0);
            u = bf16(h, wOff + k + L);
            a1 = FloatVector.fromArray(S, x, x0 + k + L).lanewise(FMA, u, a1);
            b1 = FloatVector.fromArray(S, x, x1 + k + L).lanewise(FMA, u, b1);
            c1 = FloatVector.fromArray(S, x, x2 + k + L).lanewise(FMA, u, c1);
            d1 = FloatVector.fromArray(S, x, x3 + k + L).lanewise(FMA, u, d1);
        }
        a0.lanewise(ADD, a1).intoArray(lanes, 0);
        b0.lanewise(ADD, b1).intoArray(lanes, 8);
        c0.lanewise(ADD, c1).intoArray(lanes, 16);
        d0.lanewise(ADD, d1).intoArray(lanes, 24);
        out[o0] = sumLanes(lanes, 0) + 0f;
        out[o1] = sumLanes(lanes, L) + 0f;
        out[o2] = sumLanes(lanes, 2 * L) + 0f;
        out[o3] = sumLanes(lanes, 3 * L) + 0f;
    }

    /** {@link VectorFixedOrderMatmul#dot} of a[aOff..] and the f16 row at h[wOff..]; n = 16·m. */
    static float dotF16(float[] a, int aOff, short[] h, int wOff, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        for (int k = 0; k < n; k += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, f16(h, wOff + k), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L).lanewise(FMA, f16(h, wOff + k + L), acc1);
        }
        acc0.lanewise(ADD, acc1).intoArray(lanes, 0);
        return sumLanes(lanes, 0) + 0f;
    }

    /**
     * {@link VectorFixedOrderMatmul#dot} of a[aOff..] and an int8 row (quants at q[qOff..], scales at s[sOff..],
     * groups of g = 16·m).
     */
    static float dotQ8(float[] a, int aOff, byte[] q, int qOff, short[] s, int sOff, int n, int g,
                        float[] lanes) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        float d = 0f;
        for (int k = 0, next = 0; k < n; k += 2 * L) {
            if (k == next) {
                d = HalfFloats.f16ToFloatFast(s[sOff++]);
                next += g;
            }
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, q8(q, qOff + k, d), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L).lanewise(FMA, q8(q, qOff + k + L, d), acc1);
        }
        acc0.lanewise(ADD, acc1).intoArray(lanes, 0);
        return sumLanes(lanes, 0) + 0f;
    }

    /** Four {@link #dotQ8}s: rows x0..x3 of x times one row, to out[o0..o3]. */
    static void dot4Q8(float[] x, int x0, int x1, int x2, int x3, byte[] q, int qOff, short[] s, int sOff, int n,
                        int g, float[] out, int o0, int o1, int o2, int o3, float[] lanes) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
        float d = 0f;
        for (int k = 0, next = 0; k < n; k += 2 * L) {
            if (k == next) {
                d = HalfFloats.f16ToFloatFast(s[sOff++]);
                next += g;
            }
            FloatVector u = q8(q, qOff + k, d);
            a0 = FloatVector.fromArray(S, x, x0 + k).lanewise(FMA, u, a0);
            b0 = FloatVector.fromArray(S, x, x1 + k).lanewise(FMA, u, b0);
            c0 = FloatVector.fromArray(S, x, x2 + k).lanewise(FMA, u, c0);
            d0 = FloatVector.fromArray(S, x, x3 + k).lanewise(FMA, u, d0);
            u = q8(q, qOff + k + L, d);
            a1 = FloatVector.fromArray(S, x, x0 + k + L).lanewise(FMA, u, a1);
            b1 = FloatVector.fromArray(S, x, x1 + k + L).lanewise(FMA, u, b1);
            c1 = FloatVector.fromArray(S, x, x2 + k + L).lanewise(FMA, u, c1);
            d1 = FloatVector.fromArray(S, x, x3 + k + L).lanewise(FMA, u, d1);
        }
        a0.lanewise(ADD, a1).intoArray(lanes, 0);
        b0.lanewise(ADD, b1).intoArray(lanes, 8);
        c0.lanewise(ADD, c1).intoArray(lanes, 16);
        d0.lanewise(ADD, d1).intoArray(lanes, 24);
        out[o0] = sumLanes(lanes, 0) + 0f;
        out[o1] = sumLanes(lanes, L) + 0f;
        out[o2] = sumLanes(lanes, 2 * L) + 0f;
        out[o3] = sumLanes(lanes, 3 * L) + 0f;
    }

    /**
     * {@link VectorFixedOrderMatmul#dot} of a[aOff..] and an int4 row in groups of 32 (GGUF's Q4_0; bytes at
     * q[qOff..], scales at s[sOff..]), one group per iteration: blocks 0 and 1 are the low nibbles of bytes 0-7
     * and 8-15, blocks 2 and 3 their high nibbles, going to acc0, acc1, acc0, acc1 as in float32.
     */
    static float dotQ4g32(float[] a, int aOff, byte[] q, int qOff, short[] s, int sOff, int n, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        for (int k = 0; k < n; k += 4 * L, qOff += 2 * L) {
            float d = HalfFloats.f16ToFloatFast(s[sOff++]);
            IntVector lo = nibbles(q, qOff);
            IntVector hi = nibbles(q, qOff + L);
            acc0 = FloatVector.fromArray(S, a, aOff + k).lanewise(FMA, low(lo, d), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L).lanewise(FMA, low(hi, d), acc1);
            acc0 = FloatVector.fromArray(S, a, aOff + k + 2 * L).lanewise(FMA, high(lo, d), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + 3 * L).lanewise(FMA, high(hi, d), acc1);
        }
        acc0.lanewise(ADD, acc1).intoArray(lanes, 0);
        return sumLanes(lanes, 0) + 0f;
    }

    /**
     * Two {@link #dotQ4g32}s: rows x0, x1 of x times one row, to out[o0], out[o1] (four rows at once go past C2's
     * node budget here).
     */
    static void dot2Q4g32(float[] x, int x0, int x1, byte[] q, int qOff, short[] s, int sOff, int n, float[] out,
                          int o0, int o1, float[] lanes) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        FloatVector b0 = FloatVector.zero(S), b1 = FloatVector.zero(S);
        for (int k = 0; k < n; k += 4 * L, qOff += 2 * L) {
            float d = HalfFloats.f16ToFloatFast(s[sOff++]);
            IntVector lo = nibbles(q, qOff);
            IntVector hi = nibbles(q, qOff + L);
            FloatVector u = low(lo, d);
            a0 = FloatVector.fromArray(S, x, x0 + k).lanewise(FMA, u, a0);
            b0 = FloatVector.fromArray(S, x, x1 + k).lanewise(FMA, u, b0);
            u = low(hi, d);
            a1 = FloatVector.fromArray(S, x, x0 + k + L).lanewise(FMA, u, a1);
            b1 = FloatVector.fromArray(S, x, x1 + k + L).lanewise(FMA, u, b1);
            u = high(lo, d);
            a0 = FloatVector.fromArray(S, x, x0 + k + 2 * L).lanewise(FMA, u, a0);
            b0 = FloatVector.fromArray(S, x, x1 + k + 2 * L).lanewise(FMA, u, b0);
            u = high(hi, d);
            a1 = FloatVector.fromArray(S, x, x0 + k + 3 * L).lanewise(FMA, u, a1);
            b1 = FloatVector.fromArray(S, x, x1 + k + 3 * L).lanewise(FMA, u, b1);
        }
        a0.lanewise(ADD, a1).intoArray(lanes, 0);
        b0.lanewise(ADD, b1).intoArray(lanes, L);
        out[o0] = sumLanes(lanes, 0) + 0f;
        out[o1] = sumLanes(lanes, L) + 0f;
    }
}
