package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kernel.MathFunctions;
import jdk.incubator.vector.FloatVector;
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
            FloatVector e = PortableExp.exp(x.neg());
            x.div(e.add(1f)).mul(FloatVector.fromArray(S, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) { // the same steps on the few elements past the last whole vector
            gate[i] = gate[i] / (1f + PortableExp.exp(-gate[i])) * up[i];
        }
    }

    /** c[cOff..+n) += w · v[vOff..+n), each element rounded after the multiply and after the add. */
    private static void addScaled(float[] c, int cOff, float[] v, int vOff, float w, int n) {
        int d = 0;
        for (; d + L <= n; d += L) {
            FloatVector.fromArray(S, c, cOff + d).add(FloatVector.fromArray(S, v, vOff + d).mul(w))
                    .intoArray(c, cOff + d);
        }
        for (; d < n; d++) {
            c[cOff + d] += w * v[vOff + d];
        }
    }
}
