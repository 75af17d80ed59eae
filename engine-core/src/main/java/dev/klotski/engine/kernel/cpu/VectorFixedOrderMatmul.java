package dev.klotski.engine.kernel.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch-invariant kernels on SIMD lanes (the incubating Vector API). Each output element is one dot product
 * in an order fixed by design: two 8-lane accumulators take alternate 8-wide blocks of k, a last odd block
 * goes to the first, the rest of k is summed by scalar FMAs, and the lanes are added in a fixed tree. The
 * width is fixed at 256 bits (not the machine's preferred width), so the bits are the same on every x86
 * machine with AVX2 or AVX-512, not only from batch to batch. Only loaded when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}; {@link FixedOrderMatmul} serves otherwise.
 */
final class VectorFixedOrderMatmul extends TiledFixedOrderMatmul {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = 8; // S.length(), a constant so the JIT unrolls the lane tree

    VectorFixedOrderMatmul(ThreadPool pool) {
        super(pool, ScalarWidening::widen);
    }

    @Override
    public String name() {
        return "fixed-order-simd";
    }

    /** The reference order for one element; {@link #dot2x2} computes four elements exactly like this. */
    @Override
    float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int k = 0;
        for (; k + 2 * L <= n; k += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).fma(FloatVector.fromArray(S, b, bOff + k), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + k + L).fma(FloatVector.fromArray(S, b, bOff + k + L), acc1);
        }
        if (k + L <= n) {
            acc0 = FloatVector.fromArray(S, a, aOff + k).fma(FloatVector.fromArray(S, b, bOff + k), acc0);
            k += L;
        }
        float tail = 0f;
        for (; k < n; k++) {
            tail = Math.fma(a[aOff + k], b[bOff + k], tail);
        }
        return sumLanes(acc0.add(acc1)) + tail;
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
            a0 = p.fma(u, a0);
            b0 = p.fma(v, b0);
            c0 = q.fma(u, c0);
            d0 = q.fma(v, d0);
            p = FloatVector.fromArray(S, x, x0 + k + L);
            q = FloatVector.fromArray(S, x, x1 + k + L);
            u = FloatVector.fromArray(S, w, w0 + k + L);
            v = FloatVector.fromArray(S, w, w1 + k + L);
            a1 = p.fma(u, a1);
            b1 = p.fma(v, b1);
            c1 = q.fma(u, c1);
            d1 = q.fma(v, d1);
        }
        if (k + L <= n) {
            FloatVector p = FloatVector.fromArray(S, x, x0 + k);
            FloatVector q = FloatVector.fromArray(S, x, x1 + k);
            FloatVector u = FloatVector.fromArray(S, w, w0 + k);
            FloatVector v = FloatVector.fromArray(S, w, w1 + k);
            a0 = p.fma(u, a0);
            b0 = p.fma(v, b0);
            c0 = q.fma(u, c0);
            d0 = q.fma(v, d0);
            k += L;
        }
        float ta = 0f, tb = 0f, tc = 0f, td = 0f;
        for (; k < n; k++) {
            ta = Math.fma(x[x0 + k], w[w0 + k], ta);
            tb = Math.fma(x[x0 + k], w[w1 + k], tb);
            tc = Math.fma(x[x1 + k], w[w0 + k], tc);
            td = Math.fma(x[x1 + k], w[w1 + k], td);
        }
        out[out0] = sumLanes(a0.add(a1)) + ta;
        out[out0 + 1] = sumLanes(b0.add(b1)) + tb;
        out[out1] = sumLanes(c0.add(c1)) + tc;
        out[out1 + 1] = sumLanes(d0.add(d1)) + td;
    }

    /** A fixed addition tree over the 8 lanes (reduceLanes leaves its order unspecified). */
    private static float sumLanes(FloatVector v) {
        return ((v.lane(0) + v.lane(1)) + (v.lane(2) + v.lane(3))) + ((v.lane(4) + v.lane(5)) + (v.lane(6) + v.lane(7)));
    }
}
