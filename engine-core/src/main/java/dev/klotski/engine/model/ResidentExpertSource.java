package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertLease;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.model.layers.RoutingListener;
import dev.klotski.engine.model.layers.RoutingListeners;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.EnumMap;
import java.util.Map;

/** Every expert held in memory in its stored format: no offloading, every lookup a hit, nothing ever waits. */
public final class ResidentExpertSource implements ExpertSource {
    private final Lease[][] leases; // (layer, expert); null rows for dense layers
    private final Map<WeightFormat, Long> heldBytes = new EnumMap<>(WeightFormat.class);
    private final RoutingListeners listeners = new RoutingListeners();

    /** @param experts (layer, expert) weights; null rows for dense layers */
    public ResidentExpertSource(ExpertFfn[][] experts) {
        leases = new Lease[experts.length][];
        for (int l = 0; l < experts.length; l++) {
            if (experts[l] != null) {
                leases[l] = new Lease[experts[l].length];
                for (int e = 0; e < experts[l].length; e++) {
                    leases[l][e] = new Lease(e, experts[l][e]);
                    ExpertFfn f = experts[l][e];
                    for (WeightMatrix m : new WeightMatrix[] {f.gate(), f.up(), f.down()}) {
                        heldBytes.merge(m.format(), m.heldBytes(), Long::sum);
                    }
                }
            }
        }
    }

    /** A lease on a resident expert: nothing to give back. */
    private record Lease(int expert, ExpertFfn weights) implements ExpertLease {
        @Override
        public void close() {
        }
    }

    @Override
    public void request(int layer, int[] experts, int count, ExpertCounters counters) {
        counters.hits(count);
    }

    @Override
    public void release(int layer, int expert) {
    }

    @Override
    public boolean isResident(int layer, int expert) {
        return true;
    }

    @Override
    public ExpertLease tryLease(int layer, int expert) {
        return leases[layer][expert];
    }

    @Override
    public Map<WeightFormat, Long> heldBytesByFormat() {
        return Map.copyOf(heldBytes);
    }

    @Override
    public void routed(RoutingEvent event) {
        listeners.routed(event);
    }

    @Override
    public void requestEnded(long requestId) {
        listeners.requestEnded(requestId);
    }

    @Override
    public void addListener(RoutingListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(RoutingListener listener) {
        listeners.remove(listener);
    }

    /** Nothing is ever loaded or evicted, so any number of passes may lease at once. */
    @Override
    public boolean servesConcurrentPasses() {
        return true;
    }

    @Override
    public long arrivals() {
        return 0;
    }

    @Override
    public long awaitArrival(long seen) {
        return seen;
    }
}
