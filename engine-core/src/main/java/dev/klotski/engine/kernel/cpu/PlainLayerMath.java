package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels.AttentionShape;
import dev.klotski.engine.kernel.MathFunctions;

/** The reference math: scalar sums in index order, exp in double (the reference and scalar fixed-order backends). */
final class PlainLayerMath implements LayerMath {

    @Override
    public void attendOne(float[] queries, float[] context, AttentionShape shape, int t, int h, int length,
                          float[] keys, float[] values, float[] scores) {
        int headDim = shape.headDim();
        int kvDim = shape.kvDim();
        int kvHead = h / (shape.heads() / shape.kvHeads());
        int qOff = t * shape.qDim() + h * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        for (int p = 0; p < length; p++) {
            int kOff = p * kvDim + kvHead * headDim;
            float dot = 0f;
            for (int d = 0; d < headDim; d++) {
                dot += queries[qOff + d] * keys[kOff + d];
            }
            scores[p] = dot * scale;
        }
        MathFunctions.softmaxInPlace(scores, 0, length);
        for (int d = 0; d < headDim; d++) {
            context[qOff + d] = 0f;
        }
        for (int p = 0; p < length; p++) {
            float w = scores[p];
            int vOff = p * kvDim + kvHead * headDim;
            for (int d = 0; d < headDim; d++) {
                context[qOff + d] += w * values[vOff + d];
            }
        }
    }

    @Override
    public void siluMul(float[] gate, float[] up, int from, int to) {
        for (int i = from; i < to; i++) {
            gate[i] = MathFunctions.silu(gate[i]) * up[i];
        }
    }
}
