package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kernel.MathFunctions;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SUB;
import static jdk.incubator.vector.VectorOperators.DIV;

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
    // PortableExp's constants as vectors, and lanewise calls: see the package's rules (package-info).
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
            FloatVector a = x.lanewise(NEG).lanewise(MAX, MIN_ARG).lanewise(MIN, MAX_ARG);
            FloatVector shifted = a.lanewise(MUL, LOG2E).lanewise(ADD, ROUNDER);
            FloatVector n = shifted.lanewise(SUB, ROUNDER);
            FloatVector r = a.lanewise(SUB, n.lanewise(MUL, LN2_HI)).lanewise(SUB, n.lanewise(MUL, LN2_LO));
            FloatVector p = r.lanewise(MUL, P0).lanewise(ADD, P1);
            p = p.lanewise(MUL, r).lanewise(ADD, P2);
            p = p.lanewise(MUL, r).lanewise(ADD, P3);
            p = p.lanewise(MUL, r).lanewise(ADD, P4);
            p = p.lanewise(MUL, r).lanewise(ADD, P5);
            FloatVector y = p.lanewise(MUL, r.lanewise(MUL, r)).lanewise(ADD, r).lanewise(ADD, ONE);
            IntVector twoToN = ((IntVector) shifted.reinterpretAsInts()).lanewise(SUB, BIAS)
                    .lanewise(VectorOperators.LSHL, 23);
            FloatVector e = y.lanewise(MUL, twoToN.reinterpretAsFloats());
            x.lanewise(DIV, e.lanewise(ADD, ONE)).lanewise(MUL, FloatVector.fromArray(S, up, i)).intoArray(gate, i);
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
            FloatVector scaled = FloatVector.fromArray(S, v, vOff + d).lanewise(MUL, wv);
            FloatVector.fromArray(S, c, cOff + d).lanewise(ADD, scaled)
                    .intoArray(c, cOff + d);
        }
        for (; d < n; d++) {
            c[cOff + d] += w * v[vOff + d];
        }
    }
}
