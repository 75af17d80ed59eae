package dev.klotski.engine.plan;

/**
 * One MoE layer of one pass of a group of n batches, scheduled as Klotski's Alg. 1 on this engine: attention
 * (with norms and router) runs for every batch first; meanwhile the I/O stream loads the K experts predicted hot;
 * once the gates have routed, the other missing (cold) experts are queued; then each used expert runs once over
 * all the group's tokens, resident ones first, loaded ones as they arrive. One I/O stream, one compute stream;
 * gates and attention weights are resident on this engine, so Eq. 4 always holds and t_IO_G = t_IO_A = 0.
 *
 * <p>Counts are expectations and may be fractional; the finish time is the latest of "an expert arrives, then
 * the work left from it on runs back to back", taken at the ends of the hot and cold arrival runs (the latest
 * lies at one of them, as arrivals are evenly spaced).
 *
 * @param attention     n·(t_cA + t_cG): attention, norms and routers of the n batches
 * @param used          experts the group uses
 * @param hits          of those, already resident
 * @param loads         used - hits
 * @param hotLoads      of the loads, the K prefetched ones (started with attention)
 * @param perExpert     one expert's compute over its share of the tokens
 * @param perLoad       one expert's transfer
 * @param seconds       when the layer's last expert is done
 * @param bubble        seconds minus compute: time compute waits for loads
 */
record LayerTimeline(double attention, double used, double hits, double loads, double hotLoads, double perExpert,
                     double perLoad, double seconds, double bubble) {

    static LayerTimeline of(double attention, double used, double hits, double perExpert, double perLoad,
                            double depth) {
        double loads = Math.max(0, used - hits);
        double hot = Math.min(depth, loads);
        double cold = loads - hot;
        double compute = attention + used * perExpert;
        double finish = compute;
        if (hot > 0) {
            finish = Math.max(finish, Math.min(1, hot) * perLoad + loads * perExpert); // first hot arrival
            finish = Math.max(finish, hot * perLoad + (Math.min(1, hot) + cold) * perExpert); // last hot arrival
        }
        if (cold > 0) {
            double start = Math.max(attention, hot * perLoad); // the gates have routed and the hot loads are done
            finish = Math.max(finish, start + Math.min(1, cold) * perLoad + cold * perExpert);
            finish = Math.max(finish, start + cold * perLoad + Math.min(1, cold) * perExpert);
        }
        return new LayerTimeline(attention, used, hits, loads, hot, perExpert, perLoad, finish, finish - compute);
    }

    /**
     * A layer whose loads have a single slot to go to: each load waits for the expert before it to be computed
     * and freed, so loads and compute take turns (the resident experts run first, while the first load runs).
     */
    static LayerTimeline serial(double attention, double used, double hits, double perExpert, double perLoad) {
        double loads = Math.max(0, used - hits);
        double compute = attention + used * perExpert;
        double finish = attention + Math.max(hits * perExpert, loads > 0 ? perLoad : 0)
                + loads * perExpert + Math.max(0, loads - 1) * perLoad;
        finish = Math.max(finish, compute);
        return new LayerTimeline(attention, used, hits, loads, 0, perExpert, perLoad, finish, finish - compute);
    }

    double compute() {
        return attention + used * perExpert;
    }

    double io() {
        return loads * perLoad;
    }

    /** Eq. 5: n(t_cA + t_cG) >= K·t_IO_E, the hot experts are in when the gates are done. */
    boolean eq5() {
        return attention >= hotLoads * perLoad;
    }

    /** Eq. 6: ... + t_c_hotE >= (K + 1)·t_IO_E, the first cold expert is in once the resident and hot ones ran. */
    boolean eq6() {
        return loads <= hotLoads || attention + (hits + hotLoads) * perExpert >= (hotLoads + 1) * perLoad;
    }

    /** Eq. 7: ... + Σ t_cE >= (K + |Q|)·t_IO_E, every load is in within the layer's compute. */
    boolean eq7() {
        return compute() >= io();
    }
}
