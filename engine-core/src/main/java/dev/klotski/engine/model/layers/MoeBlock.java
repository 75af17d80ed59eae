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

    /**
     * Runs every wanted expert once: whichever are resident, then each as it arrives. Every requested expert is
     * either leased (and its lease closed) or released, also when a load fails or compute throws, so the tier's
     * protection counts stay exact and the real error surfaces.
     */
    private void computeAsTheyArrive(Kernels kernels, Workspace ws, int used, ExpertCounters counters) {
        int[] pending = ws.pending;
        System.arraycopy(ws.wanted, 0, pending, 0, used);
        int left = used;
        while (left > 0) {
            long seen = experts.arrivals();
            int kept = 0; // pending[0..kept) still wait; pending[i..left) are not looked at yet
            for (int i = 0; i < left; i++) {
                int e = pending[i];
                ExpertLease lease;
                try {
                    lease = experts.tryLease(layer, e);
                } catch (RuntimeException failure) {
                    releaseAll(pending, 0, kept);
                    releaseAll(pending, i, left);
                    throw failure;
                }
                if (lease == null) {
                    pending[kept++] = e;
                    continue;
                }
                try {
                    compute(kernels, ws, lease);
                } catch (RuntimeException failure) {
                    releaseAll(pending, 0, kept);
                    releaseAll(pending, i + 1, left);
                    throw failure;
                } finally {
                    lease.close();
                }
            }
            boolean progressed = kept < left;
            left = kept;
            if (left > 0 && !progressed) {
                awaitArrival(seen, pending, left, counters, ws);
            }
        }
    }

    /** Waits for the next load to land; on an error or an interrupt releases what is still pending. */
    private void awaitArrival(long seen, int[] pending, int left, ExpertCounters counters, Workspace ws) {
        long start = System.nanoTime();
        try {
            experts.awaitArrival(seen);
        } catch (InterruptedException e) {
            releaseAll(pending, 0, left);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while layer " + layer + " waited for expert weights");
        } catch (RuntimeException failure) {
            releaseAll(pending, 0, left);
            throw failure;
        }
        long end = System.nanoTime();
        counters.stalled(end - start);
        if (ws.tracer.enabled()) {
            ws.tracer.span("compute", "L" + layer + " wait for a load", start, end);
        }
    }

    private void releaseAll(int[] experts, int from, int to) {
        for (int i = from; i < to; i++) {
            this.experts.release(layer, experts[i]);
        }
    }

    /** One expert over the tokens that chose it; its output rows go to their place in ws.expertOuts. */
    private void compute(Kernels kernels, Workspace ws, ExpertLease lease) {
        int hidden = router.weight().cols();
        int e = lease.expert();
        int from = ws.expertStarts[e];
        int count = ws.expertStarts[e + 1] - from;
        long start = ws.tracer.enabled() ? System.nanoTime() : 0;
        kernels.gatherRows(ws.normed, hidden, ws.assignedTokens, from, count, ws.gathered);
        lease.weights().apply(kernels, ws, ws.gathered, count, ws.expertOut);
        kernels.copy(ws.expertOut, 0, ws.expertOuts, from * hidden, count * hidden);
        if (ws.tracer.enabled()) {
            ws.tracer.span("compute", "L" + layer + " expert " + e + " (" + count + " tokens)", start, System.nanoTime());
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
