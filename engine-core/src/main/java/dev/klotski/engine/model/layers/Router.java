package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.WeightMatrix;

/** Softmax over all experts, keep the top k, optionally renormalise the kept weights to sum to 1. */
public record Router(WeightMatrix weight, int topK, boolean renormalize) { // weight (experts, hidden)

    public int experts() {
        return weight.rows();
    }

    /**
     * Routes ws.normed (rows, hidden): token t uses experts ws.expertIds[t*k .. t*k+k) with weights
     * ws.expertWeights at the same indices, best first.
     */
    public void route(Kernels kernels, Workspace ws, int rows) {
        kernels.matmul(ws.normed, rows, weight, ws.routerLogits); // (rows, experts)
        kernels.route(ws.routerLogits, rows, experts(), topK, renormalize, ws.expertIds, ws.expertWeights);
    }
}
