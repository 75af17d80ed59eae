package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.WeightMatrix;

/**
 * A mixture-of-experts feed-forward: route every token, run each used expert once over all the tokens that
 * chose it, and add each token's expert outputs weighted by the router. Experts run in index order, so a
 * token's sum follows the order of its own experts whatever other tokens share the pass. A shared expert
 * (Qwen2-MoE), when present, runs on every token behind a sigmoid gate.
 */
public final class MoeBlock implements FeedForward {
    private final int layer;
    private final Router router;
    private final ExpertWeights experts;
    private final ExpertFfn sharedExpert;        // or null
    private final WeightMatrix sharedExpertGate; // (1, hidden) or null

    public MoeBlock(int layer, Router router, ExpertWeights experts, ExpertFfn sharedExpert,
                    WeightMatrix sharedExpertGate) {
        this.layer = layer;
        this.router = router;
        this.experts = experts;
        this.sharedExpert = sharedExpert;
        this.sharedExpertGate = sharedExpertGate;
    }

    public Router router() {
        return router;
    }

    @Override
    public void forward(Kernels kernels, Workspace ws, int rows) {
        int hidden = router.weight().cols();
        router.route(kernels, ws, rows);
        groupByExpert(ws, rows, router.topK(), router.experts());
        kernels.zero(ws.delta, rows * hidden);
        for (int e = 0; e < router.experts(); e++) {
            int from = ws.expertStarts[e];
            int count = ws.expertStarts[e + 1] - from;
            if (count == 0) {
                continue;
            }
            kernels.gatherRows(ws.normed, hidden, ws.assignedTokens, from, count, ws.gathered);
            experts.get(layer, e).apply(kernels, ws, ws.gathered, count, ws.expertOut);
            kernels.scatterAddRows(ws.expertOut, hidden, ws.assignedTokens, ws.assignedWeights, from, count, ws.delta);
        }
        if (sharedExpert != null) {
            sharedExpert.apply(kernels, ws, ws.normed, rows, ws.expertOut);
            kernels.matmul(ws.normed, rows, sharedExpertGate, ws.rowScalars); // (rows, 1)
            kernels.sigmoid(ws.rowScalars, rows);
            kernels.addScaledRows(ws.expertOut, ws.rowScalars, rows, hidden, ws.delta);
        }
    }

    /**
     * Counting sort of the (token, slot) choices by expert into ws.assignedTokens / ws.assignedWeights, tokens
     * in order within each expert; ws.expertStarts[e] is where expert e's run begins.
     */
    static void groupByExpert(Workspace ws, int rows, int k, int expertCount) {
        int[] starts = ws.expertStarts;
        java.util.Arrays.fill(starts, 0);
        int n = rows * k;
        for (int i = 0; i < n; i++) {
            starts[ws.expertIds[i] + 1]++;
        }
        for (int e = 0; e < expertCount; e++) {
            starts[e + 1] += starts[e];
        }
        int[] fill = ws.assignedFill(expertCount);
        System.arraycopy(starts, 0, fill, 0, expertCount);
        for (int i = 0; i < n; i++) {
            int at = fill[ws.expertIds[i]]++;
            ws.assignedTokens[at] = i / k;
            ws.assignedWeights[at] = ws.expertWeights[i];
        }
    }
}
