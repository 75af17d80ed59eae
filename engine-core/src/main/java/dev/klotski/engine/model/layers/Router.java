package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/** Softmax over all experts, keep the top k, optionally renormalise the kept weights to sum to 1. */
public record Router(Matrix weight, int topK, boolean renormalize) { // weight (experts, hidden)

    public int experts() {
        return weight.rows();
    }

    /** Routes {@code rows} tokens of x (rows, hidden). */
    public Routing route(Kernels kernels, float[] x, int rows) {
        int experts = experts();
        float[] logits = new float[rows * experts];
        kernels.matmul(x, rows, weight, logits);
        int[] ids = new int[rows * topK];
        float[] weights = new float[rows * topK];
        float[] probs = new float[experts];
        for (int r = 0; r < rows; r++) {
            softmax(logits, r * experts, experts, probs);
            selectTopK(probs, ids, weights, r * topK);
            if (renormalize) {
                float sum = 0f;
                for (int j = 0; j < topK; j++) {
                    sum += weights[r * topK + j];
                }
                for (int j = 0; j < topK; j++) {
                    weights[r * topK + j] /= sum;
                }
            }
        }
        return new Routing(rows, topK, ids, weights);
    }

    private static void softmax(float[] logits, int off, int n, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            out[i] = (float) Math.exp(logits[off + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) {
            out[i] /= sum;
        }
    }

    /** Highest probability first; ties go to the lower expert index, as torch.topk does on CPU. */
    private void selectTopK(float[] probs, int[] ids, float[] weights, int off) {
        boolean[] taken = new boolean[probs.length];
        for (int j = 0; j < topK; j++) {
            int best = -1;
            for (int e = 0; e < probs.length; e++) {
                if (!taken[e] && (best < 0 || probs[e] > probs[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            ids[off + j] = best;
            weights[off + j] = probs[best];
        }
    }
}
