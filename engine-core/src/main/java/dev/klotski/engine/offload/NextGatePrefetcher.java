package dev.klotski.engine.offload;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.model.layers.Router;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.tensor.Buffer;

/**
 * Next-gate prefetch (Fate, Mixtral-offloading): the residual stream changes slowly from layer to layer, so the
 * next MoE layer's router applied to this layer's router input predicts its choices well. Runs that router on
 * the compute thread (a small product: rows x hidden x experts) and asks for the predicted experts, those chosen
 * by the most tokens first.
 */
public final class NextGatePrefetcher implements Prefetcher {
    private final Router[] routers; // (layer) null for dense layers
    private final int[] nextMoe;    // (layer) the next layer with experts, or -1
    private Kernels kernels;        // the backend the scratch buffer lives in
    private Buffer logits;          // (rows, experts) scratch
    private int capacity;           // rows the scratch holds
    private int[] ids;              // (rows * topK)
    private float[] weights;        // (rows * topK)
    private int[] votes;            // (experts) tokens predicting each expert
    private int[] order;            // (experts) predicted experts, most votes first

    public NextGatePrefetcher(Router[] routers) {
        this.routers = routers.clone();
        this.nextMoe = new int[routers.length];
        int next = -1;
        for (int l = routers.length - 1; l >= 0; l--) {
            nextMoe[l] = next;
            if (routers[l] != null) {
                next = l;
            }
        }
    }

    @Override
    public String name() {
        return "next-gate";
    }

    @Override
    public boolean needsHiddenStates() {
        return true;
    }

    @Override
    public void predict(RoutingEvent event, PrefetchSink sink) {
        int target = nextMoe[event.layer()];
        if (target < 0 || event.routerInput() == null) {
            return;
        }
        Router router = routers[target];
        int rows = event.rows();
        int experts = router.experts();
        int k = router.topK();
        ensure(event.kernels(), rows, experts, k);
        kernels.matmul(event.routerInput(), rows, router.weight(), logits);
        kernels.route(logits, rows, experts, k, false, ids, weights);
        java.util.Arrays.fill(votes, 0);
        for (int i = 0; i < rows * k; i++) {
            votes[ids[i]]++;
        }
        int n = 0;
        for (int e = 0; e < experts; e++) {
            if (votes[e] > 0) {
                int at = n++;
                while (at > 0 && votes[order[at - 1]] < votes[e]) {
                    order[at] = order[at - 1];
                    at--;
                }
                order[at] = e;
            }
        }
        for (int i = 0; i < n; i++) {
            sink.prefetch(target, order[i]);
        }
    }

    private void ensure(Kernels k, int rows, int experts, int topK) {
        if (k != kernels || rows > capacity) {
            kernels = k;
            capacity = Math.max(rows, capacity);
            logits = k.allocate(capacity * experts);
            ids = new int[capacity * topK];
            weights = new float[capacity * topK];
        }
        if (votes == null || votes.length < experts) {
            votes = new int[experts];
            order = new int[experts];
        }
    }
}
