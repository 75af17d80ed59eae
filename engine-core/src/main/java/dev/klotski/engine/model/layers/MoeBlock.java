package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Matrix;

/**
 * A mixture-of-experts feed-forward: route every token, run each used expert once over all the tokens that
 * chose it, and add up each token's expert outputs weighted by the router. A shared expert (Qwen2-MoE), when
 * present, runs on every token behind a sigmoid gate.
 */
public final class MoeBlock implements FeedForward {
    private final int layer;
    private final Router router;
    private final ExpertWeights experts;
    private final ExpertFfn sharedExpert;     // or null
    private final Matrix sharedExpertGate;    // (1, hidden) or null

    public MoeBlock(int layer, Router router, ExpertWeights experts, ExpertFfn sharedExpert, Matrix sharedExpertGate) {
        this.layer = layer;
        this.router = router;
        this.experts = experts;
        this.sharedExpert = sharedExpert;
        this.sharedExpertGate = sharedExpertGate;
    }

    @Override
    public float[] forward(Kernels kernels, float[] x, int rows) {
        int hidden = x.length / rows;
        Routing routing = router.route(kernels, x, rows);
        int k = routing.k();
        // Each (token, slot) output lands in its own row; the weighted sum below then adds a token's experts in
        // slot order, so the result does not depend on which other tokens shared an expert call.
        float[] slotOutputs = new float[rows * k * hidden]; // (rows * k, hidden)
        int[][] byExpert = routing.assignmentsByExpert(router.experts());
        for (int e = 0; e < byExpert.length; e++) {
            int[] assigned = byExpert[e];
            if (assigned.length == 0) {
                continue;
            }
            float[] gathered = new float[assigned.length * hidden];
            for (int i = 0; i < assigned.length; i++) {
                System.arraycopy(x, (assigned[i] / k) * hidden, gathered, i * hidden, hidden);
            }
            float[] y = experts.get(layer, e).apply(kernels, gathered, assigned.length);
            for (int i = 0; i < assigned.length; i++) {
                System.arraycopy(y, i * hidden, slotOutputs, assigned[i] * hidden, hidden);
            }
        }
        float[] out = new float[rows * hidden];
        float[] weights = routing.weights();
        for (int t = 0; t < rows; t++) {
            for (int slot = 0; slot < k; slot++) {
                float w = weights[t * k + slot];
                int src = (t * k + slot) * hidden;
                for (int d = 0; d < hidden; d++) {
                    out[t * hidden + d] += w * slotOutputs[src + d];
                }
            }
        }
        if (sharedExpert != null) {
            addGatedSharedExpert(kernels, x, rows, hidden, out);
        }
        return out;
    }

    private void addGatedSharedExpert(Kernels kernels, float[] x, int rows, int hidden, float[] out) {
        float[] shared = sharedExpert.apply(kernels, x, rows);
        float[] gateLogits = new float[rows];
        kernels.matmul(x, rows, sharedExpertGate, gateLogits);
        for (int t = 0; t < rows; t++) {
            float gate = (float) (1.0 / (1.0 + Math.exp(-gateLogits[t])));
            for (int d = 0; d < hidden; d++) {
                out[t * hidden + d] += gate * shared[t * hidden + d];
            }
        }
    }
}
