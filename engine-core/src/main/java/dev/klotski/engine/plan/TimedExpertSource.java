package dev.klotski.engine.plan;

import dev.klotski.engine.model.ResidentExpertSource;
import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertLease;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.model.layers.RoutingListener;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Resident experts ({@link ResidentExpertSource}) that also time their use: a lease lasts while the MoE layer
 * gathers an expert's tokens, runs its feed-forward and places its rows, so the sum of lease times is the expert
 * share of a pass. Single caller (the prober runs one pass at a time).
 */
final class TimedExpertSource implements ExpertSource {
    private final ExpertFfn[][] experts; // (layer, expert); null rows for dense layers
    private final ResidentExpertSource resident;
    private long leasedNanos;

    TimedExpertSource(ExpertFfn[][] experts) {
        this.experts = experts;
        this.resident = new ResidentExpertSource(experts);
    }

    /** Nanoseconds spent inside leases since the last call; resets. */
    long takeLeasedNanos() {
        long n = leasedNanos;
        leasedNanos = 0;
        return n;
    }

    @Override
    public ExpertLease tryLease(int layer, int expert) {
        ExpertLease lease = resident.tryLease(layer, expert);
        long start = System.nanoTime();
        return new ExpertLease() {
            @Override
            public int expert() {
                return lease.expert();
            }

            @Override
            public ExpertFfn weights() {
                return lease.weights();
            }

            @Override
            public void close() {
                lease.close();
                leasedNanos += System.nanoTime() - start;
            }
        };
    }

    @Override
    public void request(int layer, int[] wanted, int count, ExpertCounters counters) {
        resident.request(layer, wanted, count, counters);
    }

    @Override
    public void release(int layer, int expert) {
        resident.release(layer, expert);
    }

    @Override
    public boolean isResident(int layer, int expert) {
        return resident.isResident(layer, expert);
    }

    @Override
    public long arrivals() {
        return resident.arrivals();
    }

    @Override
    public long awaitArrival(long seen) {
        return resident.awaitArrival(seen);
    }

    /** One instance serves many experts here: each counts once. */
    @Override
    public Map<WeightFormat, Long> heldBytesByFormat() {
        Set<ExpertFfn> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<WeightFormat, Long> out = new EnumMap<>(WeightFormat.class);
        for (ExpertFfn[] layer : experts) {
            for (ExpertFfn f : layer == null ? new ExpertFfn[0] : layer) {
                if (seen.add(f)) {
                    for (WeightMatrix m : new WeightMatrix[] {f.gate(), f.up(), f.down()}) {
                        out.merge(m.format(), m.heldBytes(), Long::sum);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public void routed(RoutingEvent event) {
        resident.routed(event);
    }

    @Override
    public void requestEnded(long requestId) {
        resident.requestEnded(requestId);
    }

    @Override
    public void addListener(RoutingListener listener) {
        resident.addListener(listener);
    }

    @Override
    public void removeListener(RoutingListener listener) {
        resident.removeListener(listener);
    }
}
