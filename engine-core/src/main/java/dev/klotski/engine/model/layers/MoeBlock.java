package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.concurrent.CancellationException;

/**
 * A mixture-of-experts feed-forward: route every token, run each used expert once over all the tokens that
 * chose it, and add each token's expert outputs weighted by the router. A shared expert (Qwen2-MoE), when
 * present, runs on every token behind a sigmoid gate.
 *
 * <p>Experts are asked for all at once, most tokens first, and computed in the order they become resident:
 * resident ones first while missing ones load. Each expert's output rows are kept at their place, and the
 * weighted sum runs afterwards in expert-index order, so a token's result never depends on load order or on
 * which other tokens share the pass.
 */
public final class MoeBlock implements FeedForward {
    private final int layer;
    private final Router router;
    private final ExpertSource experts;
    private final ExpertFfn sharedExpert;        // or null
    private final WeightMatrix sharedExpertGate; // (1, hidden) or null

    public MoeBlock(int layer, Router router, ExpertSource experts, ExpertFfn sharedExpert,
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

    public int layer() {
        return layer;
    }

    @Override
    public void forward(Kernels kernels, Workspace ws, ForwardBatch batch) {
        int rows = batch.size();
        int hidden = router.weight().cols();
        int k = router.topK();
        router.route(kernels, ws, rows);
        groupByExpert(ws, rows, k, router.experts());
        int used = orderByDemand(ws, router.experts());
        ExpertCounters counters = batch.counters();
        experts.request(layer, ws.wanted, used, counters);
        experts.routed(ws.routing.set(layer, rows, k, ws.expertIds, batch.sequence(), batch.requestIds(), kernels,
                ws.normed, counters));
        computeAsTheyArrive(kernels, ws, used, counters);
        kernels.zero(ws.delta, rows * hidden);
        kernels.scatterAddRows(ws.expertOuts, hidden, ws.assignedTokens, ws.assignedWeights, 0, rows * k, ws.delta);
        if (sharedExpert != null) {
            sharedExpert.apply(kernels, ws, ws.normed, rows, ws.expertOut);
            kernels.matmul(ws.normed, rows, sharedExpertGate, ws.rowScalars); // (rows, 1)
            kernels.sigmoid(ws.rowScalars, rows);
            kernels.addScaledRows(ws.expertOut, ws.rowScalars, rows, hidden, ws.delta);
        }
    }

    /** Runs every wanted expert once: whichever are resident, then each as it arrives. */
    private void computeAsTheyArrive(Kernels kernels, Workspace ws, int used, ExpertCounters counters) {
        int[] pending = ws.pending;
        System.arraycopy(ws.wanted, 0, pending, 0, used);
        int left = used;
        try {
            while (left > 0) {
                long seen = experts.arrivals();
                int kept = 0;
                for (int i = 0; i < left; i++) {
                    ExpertLease lease = experts.tryLease(layer, pending[i]);
                    if (lease == null) {
                        pending[kept++] = pending[i];
                        continue;
                    }
                    try {
                        compute(kernels, ws, lease);
                    } finally {
                        lease.close();
                    }
                }
                if (kept == left) {
                    long start = System.nanoTime();
                    experts.awaitArrival(seen);
                    counters.stalled(System.nanoTime() - start);
                }
                left = kept;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while layer " + layer + " waited for expert weights");
        } finally {
            for (int i = 0; i < left; i++) {
                experts.release(layer, pending[i]);
            }
        }
    }

    /** One expert over the tokens that chose it; its output rows go to their place in ws.expertOuts. */
    private void compute(Kernels kernels, Workspace ws, ExpertLease lease) {
        int hidden = router.weight().cols();
        int e = lease.expert();
        int from = ws.expertStarts[e];
        int count = ws.expertStarts[e + 1] - from;
        kernels.gatherRows(ws.normed, hidden, ws.assignedTokens, from, count, ws.gathered);
        lease.weights().apply(kernels, ws, ws.gathered, count, ws.expertOut);
        kernels.copy(ws.expertOut, 0, ws.expertOuts, from * hidden, count * hidden);
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

    /**
     * Fills ws.wanted with the experts some token chose, most tokens first (ties by index), and returns how
     * many: the order loads are asked for, so the busiest experts arrive first.
     */
    static int orderByDemand(Workspace ws, int expertCount) {
        int[] starts = ws.expertStarts;
        int[] wanted = ws.wanted;
        int used = 0;
        for (int e = 0; e < expertCount; e++) {
            int tokens = starts[e + 1] - starts[e];
            if (tokens == 0) {
                continue;
            }
            int at = used++;
            while (at > 0 && tokensOf(starts, wanted[at - 1]) < tokens) { // insertion sort: few experts
                wanted[at] = wanted[at - 1];
                at--;
            }
            wanted[at] = e;
        }
        return used;
    }

    private static int tokensOf(int[] starts, int e) {
        return starts[e + 1] - starts[e];
    }
}
