package dev.klotski.engine.plan;

import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.offload.Quotas;
import java.util.Locale;

/**
 * Where a plan keeps routed experts, per MoE layer: compute-tier slots (split equally, as the engine's equal
 * policies split them), how many of them pin the hottest experts, and the share of loads the host tier serves.
 *
 * @param slots     (MoE layer i) compute-tier slots
 * @param pins      (MoE layer i) of those, pinned to the layer's hottest experts
 * @param hostShare (MoE layer i) share of loads found in the host tier rather than storage
 * @param depth     prefetch depth K: predicted experts per layer loaded while attention runs
 * @param pool      slots lent to whichever layer is loading (the engine's pool), beyond the per-layer slots
 * @param poolShare the share of all slots that pool is
 */
record Residency(int[] slots, int[] pins, double[] hostShare, int depth, int pool, double poolShare) {

    /** Per-layer slots only. */
    static Residency of(ModelShape m, long deviceBytes, long hostBytes, ExpertDemand demand) {
        return of(m, deviceBytes, hostBytes, demand, 0);
    }

    /**
     * Slots from the budgets, like the engine's: {@code budget / expertBytes} in all, equal per layer. A device
     * budget below top-k experts per MoE layer is refused naming the minimum. Pins the hottest experts when
     * routing is profiled, leaving max(top-k, K) slots per layer for loads.
     */
    static Residency of(ModelShape m, long deviceBytes, long hostBytes, ExpertDemand demand, double poolShare) {
        int moe = m.moeLayerCount();
        long all = (long) moe * m.experts();
        long total = Math.min(all, deviceBytes / m.expertBytes());
        long minimum = poolShare > 0 ? m.topK() : (long) moe * m.topK(); // as OffloadFactory.slots
        if (total < minimum) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "device budget %s holds %d experts of %s; "
                    + "the model needs at least %d at once (top-%d %s) — raise it to at least %s",
                    OffloadFactory.human(deviceBytes), total, OffloadFactory.human(m.expertBytes()), minimum, m.topK(),
                    poolShare > 0 ? "in all, borrowed from the pool" : "in each of its " + moe + " MoE layers",
                    OffloadFactory.human(minimum * m.expertBytes())));
        }
        // As the engine lends them (OffloadFactory.poolSlots).
        int pool = total == all ? 0 : OffloadFactory.poolSlots((int) total, poolShare);
        int[] device = perMoeLayer(m, (int) total - pool);
        int[] host = perMoeLayer(m, (int) Math.min(all, hostBytes / m.expertBytes()));
        int depth = total == all ? 0 : m.topK(); // Klotski's default K = k; nothing to load when all are resident
        int[] pins = new int[moe];
        double[] hostShare = new double[moe];
        for (int i = 0; i < moe; i++) {
            if (demand.profiled() && device[i] < m.experts()) {
                pins[i] = Math.max(0, device[i] - Math.max(m.topK(), depth));
            }
            // Inclusive host tier: it holds what the compute tier holds and then some of the rest.
            hostShare[i] = device[i] >= m.experts() ? 0
                    : Math.max(0, Math.min(1, (double) (host[i] - device[i]) / (m.experts() - device[i])));
        }
        return new Residency(device, pins, hostShare, depth, pool, pool == 0 ? 0 : poolShare);
    }

    private static int[] perMoeLayer(ModelShape m, int total) {
        int[] byLayer = Quotas.equal(total, m.moeLayerFlags(), m.experts());
        return m.moeLayers().stream().mapToInt(l -> byLayer[l]).toArray();
    }

    boolean allResident(ModelShape m) {
        for (int s : slots) {
            if (s < m.experts()) {
                return false;
            }
        }
        return true;
    }

    boolean hostTier() {
        for (double h : hostShare) {
            if (h > 0) {
                return true;
            }
        }
        return false;
    }
}
