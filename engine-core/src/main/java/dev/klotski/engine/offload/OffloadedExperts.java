package dev.klotski.engine.offload;

import dev.klotski.engine.model.ExpertCatalog;
import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertLease;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.model.layers.RoutingListener;
import dev.klotski.engine.model.layers.RoutingListeners;
import dev.klotski.engine.model.weights.StoredWeight;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.util.Tracer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Routed experts offloaded to storage, with a compute tier of fixed slots in front: an {@link ExpertCache} says
 * which expert holds which slot, reader threads fill slots from {@link ExpertStorage}, and a {@link Prefetcher}
 * queues experts ahead of need. Demand loads go first, in the order the MoE layer asked for them; prefetches
 * follow and are dropped once their layer has routed (they would only evict something useful) or when the
 * layer has no slot to spare.
 *
 * <p>Every slot is allocated when the engine opens, so the tier never holds more than its budget, and no load
 * allocates. One lock guards the bookkeeping; bytes move outside it.
 */
public final class OffloadedExperts implements ExpertSource {
    private static final byte NOT_QUEUED = 0;
    private static final byte DEMAND = 1;
    private static final byte PREFETCH = 2;

    private final StoredExpert[][] stored;  // (layer, expert)
    private final ExpertCache cache;        // guarded by lock
    private final ExpertStorage storage;
    private final HostTier host;            // or null; guarded by lock
    private final Slot[] slots;             // (slot id) the compute tier
    private final Prefetcher prefetcher;
    private final PrefetchScore score;      // guarded by lock
    private final LayerCounts counts;       // guarded by lock
    private final long slotBytes;
    private final long budgetBytes;
    private final boolean[] moe;            // (layer) has routed experts
    private final boolean overlap;          // false: one load at a time, only when compute asks, compute waits
    private final Map<WeightFormat, Long> heldBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition(); // a load ended, a slot was freed, work was queued
    private final ArrayDeque<LoadTask> demand = new ArrayDeque<>();
    private final ArrayDeque<LoadTask> prefetches = new ArrayDeque<>();
    private final byte[][] queued;          // (layer, expert) NOT_QUEUED, DEMAND or PREFETCH
    private final int[] prefetchedForLayer; // (layer) prefetches queued since the layer last routed
    private final PrefetchSink sink = this::prefetch;
    private final List<Thread> readers = new ArrayList<>();
    private final RoutingListeners listeners = new RoutingListeners();
    private volatile Tracer tracer = Tracer.NONE;
    private ExpertCounters passCounters = new ExpertCounters(); // the routing pass that prefetches now
    private long arrivals;
    private int inFlight;                   // loads started and not finished
    private long peakSlots;
    private RuntimeException failure;
    private boolean closed;

    /** One load to do: which expert, why, and whose figures it counts in. */
    private record LoadTask(int layer, int expert, boolean demand, ExpertCounters counters) {
    }

    /**
     * @param quotas       (layer) slots per layer; 0 for dense layers
     * @param budgetBytes  the budget the quotas were sized from (reported)
     * @param overlap      whether loads overlap compute (false: the load-on-demand baseline)
     * @param poolSlots    slots any layer may borrow beyond its quota (loads run ahead of compute through them)
     */
    OffloadedExperts(ExpertCatalog catalog, int[] quotas, int poolSlots, int[] hostQuotas, CachePolicy policy,
                     Prefetcher prefetcher, ExpertStorage storage, int ioThreads, long budgetBytes, boolean overlap) {
        this.stored = catalog.experts();
        int layers = stored.length;
        int experts = catalog.expertsPerLayer();
        this.cache = new ExpertCache(quotas, experts, policy, poolSlots);
        this.storage = storage;
        this.prefetcher = prefetcher;
        this.score = new PrefetchScore(layers, experts, catalog.firstMoeLayer());
        this.counts = new LayerCounts(layers);
        this.slotBytes = catalog.expertBytes();
        this.budgetBytes = budgetBytes;
        this.overlap = overlap;
        this.moe = catalog.moeLayers();
        this.queued = new byte[layers][experts];
        this.prefetchedForLayer = new int[layers];
        StoredExpert shape = sameShape(catalog);
        this.host = hostQuotas == null ? null : new HostTier(hostQuotas, experts, shape);
        this.slots = new Slot[cache.totalSlots()];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = new Slot(shape.allocate());
        }
        this.heldBytes = new EnumMap<>(WeightFormat.class);
        long totalSlots = cache.totalSlots();
        long largestTensor = 0;
        for (StoredWeight w : shape.matrices()) {
            heldBytes.merge(w.format(), w.heldBytes() * totalSlots, Long::sum);
            largestTensor = Math.max(largestTensor, Math.max(w.values().byteLength(),
                    w.scales() == null ? 0 : w.scales().byteLength()));
        }
        for (int t = 0; t < ioThreads; t++) {
            ExpertStorage.Staging staging = storage.newStaging(largestTensor);
            String track = "io-" + t;
            Thread reader = new Thread(() -> readLoop(staging, track), "klotski-expert-reader-" + t);
            reader.setDaemon(true);
            readers.add(reader);
        }
        readers.forEach(Thread::start);
    }

    /** Slots are interchangeable only if every expert has one shape and format; checkpoints always do. */
    private static StoredExpert sameShape(ExpertCatalog catalog) {
        StoredExpert first = catalog.all().findFirst().orElseThrow(
                () -> new IllegalArgumentException("the model has no routed experts to offload"));
        catalog.all().filter(e -> !sameLayout(first, e)).findFirst().ifPresent(e -> {
            throw new IllegalArgumentException("expert " + e.gate().name() + " is stored in another shape or "
                    + "format than " + first.gate().name() + "; offloading needs every routed expert alike "
                    + "— quantize the model again with one scheme for all experts");
        });
        return first;
    }

    private static boolean sameLayout(StoredExpert a, StoredExpert b) {
        StoredWeight[] x = a.matrices();
        StoredWeight[] y = b.matrices();
        for (int i = 0; i < x.length; i++) {
            if (x[i].rows() != y[i].rows() || x[i].cols() != y[i].cols() || x[i].format() != y[i].format()
                    || x[i].group() != y[i].group()) {
                return false;
            }
        }
        return true;
    }

    /** A compute-tier slot; it is also the lease on the expert it holds (protected while leased). */
    private final class Slot implements ExpertLease {
        final ExpertFfn weights;
        int layer = -1;  // layer and expert change only when the slot is re-admitted,
        int expert = -1; // which protection forbids while leased (a pool slot serves any layer)

        Slot(ExpertFfn weights) {
            this.weights = weights;
        }

        @Override
        public int expert() {
            return expert;
        }

        @Override
        public ExpertFfn weights() {
            return weights;
        }

        @Override
        public void close() {
            release(layer, expert);
        }
    }

    // ---- the compute side ----

    @Override
    public void request(int layer, int[] experts, int count, ExpertCounters counters) {
        lock.lock();
        try {
            throwIfBroken();
            score.routed(layer, experts, count);
            dropPrefetchesUpTo(layer);
            for (int i = 0; i < count; i++) {
                int e = experts[i];
                cache.protect(layer, e);
                boolean hit = cache.isResident(layer, e);
                counters.lookup(hit);
                counts.lookups[layer]++;
                if (hit) {
                    counts.hits[layer]++;
                } else if (overlap) {
                    queueDemand(layer, e, counters);
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: a load the compute side needs, unless it is loading or queued already. */
    private void queueDemand(int layer, int e, ExpertCounters counters) {
        if (cache.isLoading(layer, e) || queued[layer][e] == DEMAND) {
            return;
        }
        if (queued[layer][e] == PREFETCH) {
            prefetches.removeIf(t -> t.layer() == layer && t.expert() == e);
        }
        demand.addLast(new LoadTask(layer, e, true, counters));
        queued[layer][e] = DEMAND;
        changed.signalAll();
    }

    /** Prefetches for layers that have routed by now are stale: the layer asked for what it needs. */
    private void dropPrefetchesUpTo(int layer) {
        for (Iterator<LoadTask> it = prefetches.iterator(); it.hasNext(); ) {
            LoadTask t = it.next();
            if (t.layer() <= layer) {
                queued[t.layer()][t.expert()] = NOT_QUEUED;
                it.remove();
            }
        }
        prefetchedForLayer[layer] = 0;
    }

    @Override
    public void release(int layer, int expert) {
        lock.lock();
        try {
            cache.unprotect(layer, expert);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isResident(int layer, int expert) {
        lock.lock();
        try {
            return cache.isResident(layer, expert);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ExpertLease tryLease(int layer, int expert) {
        lock.lock();
        try {
            throwIfBroken();
            if (!overlap && inFlight > 0) {
                return null; // the baseline computes nothing while a load runs
            }
            if (!cache.isResident(layer, expert)) {
                if (!overlap && demand.isEmpty()) { // one load at a time
                    queueDemand(layer, expert, passCounters);
                }
                return null;
            }
            cache.use(layer, expert);
            return slots[cache.slot(layer, expert)];
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long arrivals() {
        lock.lock();
        try {
            return arrivals;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long awaitArrival(long seen) throws InterruptedException {
        lock.lock();
        try {
            while (arrivals <= seen && failure == null && !closed) {
                changed.await();
            }
            throwIfBroken();
            return arrivals;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void routed(RoutingEvent event) {
        lock.lock();
        try {
            cache.policy().observe(event);
            passCounters = event.counters();
        } finally {
            lock.unlock();
        }
        prefetcher.predict(event, sink); // outside the lock: it may compute (next-gate runs a router)
        listeners.routed(event);
    }

    @Override
    public void addListener(RoutingListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(RoutingListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void requestEnded(long requestId) {
        listeners.requestEnded(requestId);
        prefetcher.requestEnded(requestId);
        lock.lock();
        try {
            cache.policy().requestEnded(requestId);
        } finally {
            lock.unlock();
        }
    }

    /** The prefetcher's sink: queue a load ahead of need, unless present, queued, or the layer is full of guesses. */
    private void prefetch(int layer, int expert) {
        lock.lock();
        try {
            score.predict(layer, expert);
            if (!moe[layer] || cache.isPresent(layer, expert) || queued[layer][expert] != NOT_QUEUED
                    || prefetchedForLayer[layer] >= prefetchCap(layer)) {
                return;
            }
            prefetchedForLayer[layer]++;
            prefetches.addLast(new LoadTask(layer, expert, false, passCounters));
            queued[layer][expert] = PREFETCH;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Guesses a layer may have queued at once: its home slots, and the whole pool when there is one. */
    private int prefetchCap(int layer) {
        return cache.quota(layer) + cache.poolSlots();
    }

    private void throwIfBroken() {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException("the engine's expert tier is closed");
        }
    }

    // ---- the reader side ----

    @Override
    public void trace(Tracer t) {
        this.tracer = t;
    }

    private void readLoop(ExpertStorage.Staging staging, String track) {
        while (true) {
            LoadTask task;
            Slot slot;
            java.nio.ByteBuffer hostCopy = null; // the host tier has it: copy from there
            java.nio.ByteBuffer hostFill = null; // the host tier takes it: fill this as it is read
            lock.lock();
            try {
                task = nextLoad();
                if (task == null) {
                    return; // closed
                }
                slot = slots[cache.slot(task.layer(), task.expert())];
                if (host != null) {
                    hostCopy = host.startCopy(task.layer(), task.expert());
                    hostFill = hostCopy == null ? host.startFill(task.layer(), task.expert()) : null;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            StoredExpert expert = stored[task.layer()][task.expert()];
            long loadStart = System.nanoTime();
            long bytes = 0;
            long copied = 0;
            RuntimeException error = null;
            try {
                if (hostCopy != null) {
                    copied = host.copyInto(expert, hostCopy, slot.weights);
                } else if (hostFill != null) {
                    java.nio.ByteBuffer fill = hostFill;
                    bytes = storage.read(expert, slot.weights, staging,
                            (part, b) -> host.part(fill, part, b.remaining()).put(b.duplicate()));
                } else {
                    bytes = storage.read(expert, slot.weights, staging);
                }
            } catch (RuntimeException e) {
                error = e;
            } catch (Error e) { // a reader must never die silently: compute would wait for it forever
                error = new IllegalStateException("reading expert " + task.expert() + " of layer " + task.layer()
                        + " failed: " + e, e);
            }
            if (host != null) {
                lock.lock();
                try {
                    if (hostCopy != null) {
                        host.doneCopying(task.layer(), task.expert(), copied);
                    } else if (hostFill != null) {
                        host.filled(task.layer(), task.expert(), error == null);
                    }
                } finally {
                    lock.unlock();
                }
            }
            Tracer t = tracer;
            if (t.enabled()) {
                t.span(track, "load L" + task.layer() + " expert " + task.expert() + (task.demand() ? "" : " (prefetch)")
                        + (hostCopy != null ? " from host" : ""), loadStart, System.nanoTime());
            }
            finish(task, bytes, error);
        }
    }

    /**
     * Under the lock: the next load to start, with its slot admitted (the evicted expert gone), or null once
     * closed. Demand loads go first, in the order asked; one whose layer has every slot loading or protected stays
     * queued while loads of other layers (or prefetches) start, so a reader never idles behind a full layer. A
     * prefetch with no slot is dropped.
     */
    private LoadTask nextLoad() throws InterruptedException {
        while (!closed) {
            LoadTask t = takeAdmissible(demand);
            if (t == null) {
                t = takeAdmissible(prefetches);
            }
            if (t == null) {
                changed.await();
                continue;
            }
            if (t.demand()) {
                t.counters().demandLoad();
                counts.demandLoads[t.layer()]++;
            } else {
                t.counters().prefetchLoad();
                counts.prefetchLoads[t.layer()]++;
            }
            inFlight++;
            peakSlots = Math.max(peakSlots, cache.occupied());
            return t;
        }
        return null;
    }

    /** The first task of {@code queue} that gets a slot, admitted and out of the queue; null when none can start. */
    private LoadTask takeAdmissible(ArrayDeque<LoadTask> queue) {
        for (Iterator<LoadTask> it = queue.iterator(); it.hasNext(); ) {
            LoadTask t = it.next();
            if (cache.isPresent(t.layer(), t.expert())) {
                it.remove();
                queued[t.layer()][t.expert()] = NOT_QUEUED;
                continue;
            }
            int slot = t.demand() ? cache.admitDemand(t.layer(), t.expert(), score)
                    : cache.admitPrediction(t.layer(), t.expert(), score);
            if (slot == ExpertCache.NO_ROOM) {
                if (!t.demand()) { // a guess that finds no room is not worth waiting for
                    it.remove();
                    queued[t.layer()][t.expert()] = NOT_QUEUED;
                }
                continue;
            }
            it.remove();
            queued[t.layer()][t.expert()] = NOT_QUEUED;
            if (cache.lastEvicted() >= 0) {
                t.counters().evicted();
                counts.evictions[cache.lastEvictedLayer()]++;
            }
            slots[slot].layer = t.layer();
            slots[slot].expert = t.expert();
            return t;
        }
        return null;
    }

    private void finish(LoadTask t, long bytes, RuntimeException error) {
        lock.lock();
        try {
            if (error != null) {
                cache.abandon(t.layer(), t.expert());
                if (failure == null) {
                    failure = error;
                }
            } else {
                cache.loaded(t.layer(), t.expert());
                t.counters().bytesRead(bytes);
                counts.bytesRead[t.layer()] += bytes;
            }
            arrivals++;
            inFlight--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- reporting and lifecycle ----

    @Override
    public Map<WeightFormat, Long> heldBytesByFormat() {
        return Map.copyOf(heldBytes);
    }

    /** Figures since the engine opened. */
    public TierReport report() {
        lock.lock();
        try {
            List<TierReport.Layer> rows = new ArrayList<>();
            for (int l = 0; l < cache.layers(); l++) {
                if (moe[l]) {
                    rows.add(new TierReport.Layer(l, cache.quota(l), counts.lookups[l], counts.hits[l],
                            counts.demandLoads[l], counts.prefetchLoads[l], counts.bytesRead[l], counts.evictions[l],
                            score.predictions(l), score.useful(l), score.needed(l)));
                }
            }
            return new TierReport(cache.totalSlots() * slotBytes, budgetBytes, peakSlots * slotBytes, slotBytes,
                    List.copyOf(rows), host == null ? 0 : host.capacityBytes(), host == null ? 0 : host.lookups(),
                    host == null ? 0 : host.hits(), host == null ? 0 : host.bytesCopied());
        } finally {
            lock.unlock();
        }
    }

    public String policyName() {
        return cache.policy().name();
    }

    public String prefetcherName() {
        return prefetcher.name();
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread t : readers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        storage.close();
    }
}
