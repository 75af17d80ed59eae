package dev.klotski.engine.kernel.cpu;

/**
 * Batch-invariant kernels in plain Java. Each output element is one dot product whose summation order is
 * fixed by design: four interleaved partial sums over k (lane = k mod 4), combined as (s0 + s1) + (s2 + s3).
 * Used when the JVM lacks the Vector API module; {@link TiledFixedOrderMatmul} explains the invariance.
 */
final class FixedOrderMatmul extends TiledFixedOrderMatmul {

    FixedOrderMatmul(ThreadPool pool) {
        super(pool, ScalarWidening::widen);
    }

    @Override
    public String name() {
        return "fixed-order";
    }

    /**
     * Four dot products at once (two input rows times two weight rows) to halve memory loads. Each of the four
     * follows exactly the arithmetic of {@link #dot}, so results equal it bit for bit.
     */
    @Override
    void dot2x2(float[] x, int x0, int x1, float[] w, int w0, int w1, int n, float[] out, int out0, int out1) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f; // (x0, w0)
        float b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f; // (x0, w1)
        float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f; // (x1, w0)
        float d0 = 0f, d1 = 0f, d2 = 0f, d3 = 0f; // (x1, w1)
        int k = 0;
        for (; k + 3 < n; k += 4) {
            float p0 = x[x0 + k], p1 = x[x0 + k + 1], p2 = x[x0 + k + 2], p3 = x[x0 + k + 3];
            float q0 = x[x1 + k], q1 = x[x1 + k + 1], q2 = x[x1 + k + 2], q3 = x[x1 + k + 3];
            float u0 = w[w0 + k], u1 = w[w0 + k + 1], u2 = w[w0 + k + 2], u3 = w[w0 + k + 3];
            float v0 = w[w1 + k], v1 = w[w1 + k + 1], v2 = w[w1 + k + 2], v3 = w[w1 + k + 3];
            a0 = Math.fma(p0, u0, a0); a1 = Math.fma(p1, u1, a1); a2 = Math.fma(p2, u2, a2); a3 = Math.fma(p3, u3, a3);
            b0 = Math.fma(p0, v0, b0); b1 = Math.fma(p1, v1, b1); b2 = Math.fma(p2, v2, b2); b3 = Math.fma(p3, v3, b3);
            c0 = Math.fma(q0, u0, c0); c1 = Math.fma(q1, u1, c1); c2 = Math.fma(q2, u2, c2); c3 = Math.fma(q3, u3, c3);
            d0 = Math.fma(q0, v0, d0); d1 = Math.fma(q1, v1, d1); d2 = Math.fma(q2, v2, d2); d3 = Math.fma(q3, v3, d3);
        }
        for (; k < n; k++) {
            a0 = Math.fma(x[x0 + k], w[w0 + k], a0);
            b0 = Math.fma(x[x0 + k], w[w1 + k], b0);
            c0 = Math.fma(x[x1 + k], w[w0 + k], c0);
            d0 = Math.fma(x[x1 + k], w[w1 + k], d0);
        }
        out[out0] = (a0 + a1) + (a2 + a3);
        out[out0 + 1] = (b0 + b1) + (b2 + b3);
        out[out1] = (c0 + c1) + (c2 + c3);
        out[out1 + 1] = (d0 + d1) + (d2 + d3);
    }

    /** The one dot product every output element goes through. */
    @Override
    float dot(float[] a, int aOff, float[] b, int bOff, int n) {
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
}
