package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kernel.MathFunctions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD backends' math on 8-wide vectors. Attention: each score is {@link VectorFixedOrderMatmul#orderedDot}
 * (the fixed-order kernels' order), the softmax is the plain one, and the weighted sum of values runs per dim in
 * position order with a multiply then an add, as the plain code does, so only the scores' sums differ from
 * {@link PlainLayerMath} (whose scalar dot, one long chain of dependent adds, was half of a prefill's Java time).
 * SiLU: {@link PortableExp}'s float exp, 8 lanes at a time, instead of a double exp per element; its bits are the
 * same in a lane and in the scalar tail, compiled or interpreted, so an element's result ignores its batch.
 */
final class VectorLayerMath implements LayerMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = 8;
    // PortableExp's constants as vectors: the scalar forms (x.mul(2f)) go through a template shared by every
    // vector shape, and once the 512-bit int8 kernels ran too it was at times left uncompiled (boxed vectors,
    // gigabytes of garbage per run).
    private static final FloatVector MIN_ARG = FloatVector.broadcast(S, PortableExp.MIN_ARG);
    private static final FloatVector MAX_ARG = FloatVector.broadcast(S, PortableExp.MAX_ARG);
    private static final FloatVector LOG2E = FloatVector.broadcast(S, PortableExp.LOG2E);
    private static final FloatVector ROUNDER = FloatVector.broadcast(S, PortableExp.ROUNDER);
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, PortableExp.LN2_HI);
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, PortableExp.LN2_LO);
    private static final FloatVector P0 = FloatVector.broadcast(S, PortableExp.P0);
    private static final FloatVector P1 = FloatVector.broadcast(S, PortableExp.P1);
    private static final FloatVector P2 = FloatVector.broadcast(S, PortableExp.P2);
    private static final FloatVector P3 = FloatVector.broadcast(S, PortableExp.P3);
    private static final FloatVector P4 = FloatVector.broadcast(S, PortableExp.P4);
    private static final FloatVector P5 = FloatVector.broadcast(S, PortableExp.P5);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final IntVector BIAS = IntVector.broadcast(IntVector.SPECIES_256, PortableExp.ROUNDER_BITS - 127);

    @Override
    public void attendOne(float[] queries, float[] context, AttentionShape shape, int t, int h, int length,
                          float[] keys, float[] values, float[] scores) {
        int headDim = shape.headDim();
        int kvDim = shape.kvDim();
        int kvHead = h / (shape.heads() / shape.kvHeads());
        int qOff = t * shape.qDim() + h * headDim;
        int kvOff = kvHead * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int p = 0; p < length; p++) {
            scores[p] = VectorFixedOrderMatmul.orderedDot(queries, qOff, keys, p * kvDim + kvOff, headDim) * scale;
        }
        MathFunctions.softmaxInPlace(scores, 0, length);
        java.util.Arrays.fill(context, qOff, qOff + headDim, 0f);
        for (int p = 0; p < length; p++) {
            addScaled(context, qOff, values, p * kvDim + kvOff, scores[p], headDim);
        }
    }

    @Override
    public void siluMul(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector x = FloatVector.fromArray(S, gate, i);
            // PortableExp.exp(-x), step for step, written out here (see PortableExp for why)
            FloatVector a = x.neg().max(MIN_ARG).min(MAX_ARG);
            FloatVector shifted = a.mul(LOG2E).add(ROUNDER);
            FloatVector n = shifted.sub(ROUNDER);
            FloatVector r = a.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector p = r.mul(P0).add(P1).mul(r).add(P2).mul(r).add(P3).mul(r).add(P4).mul(r).add(P5);
            FloatVector y = p.mul(r.mul(r)).add(r).add(ONE);
            IntVector twoToN = ((IntVector) shifted.reinterpretAsInts()).sub(BIAS).lanewise(VectorOperators.LSHL, 23);
            FloatVector e = y.mul(twoToN.reinterpretAsFloats());
            x.div(e.add(ONE)).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) { // the same steps on the few elements past the last whole vector
            gate[i] = gate[i] / (1f + PortableExp.exp(-gate[i])) * up[i];
        }
    }

    /** c[cOff..+n) += w · v[vOff..+n), each element rounded after the multiply and after the add. */
    private static void addScaled(float[] c, int cOff, float[] v, int vOff, float w, int n) {
        int d = 0;
        FloatVector wv = FloatVector.broadcast(S, w);
        for (; d + L <= n; d += L) {
            FloatVector.fromArray(S, c, cOff + d).add(FloatVector.fromArray(S, v, vOff + d).mul(wv))
                    .intoArray(c, cOff + d);
        }
        for (; d < n; d++) {
            c[cOff + d] += w * v[vOff + d];
        }
    }
}
