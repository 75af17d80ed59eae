package dev.klotski.engine.offload.replay;

import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.offload.CachePolicies;
import dev.klotski.engine.offload.CachePolicy;
import dev.klotski.engine.offload.ExpertCache;
import dev.klotski.engine.offload.PrefetchScore;
import dev.klotski.engine.offload.Prefetcher;
import dev.klotski.engine.offload.Prefetchers;
import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.offload.RoutingShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replays a trace through an {@link ExpertCache} with its policy and a prefetcher, the objects the engine runs,
 * with instant loads and no weights. Each step, layer by layer: the step's needed experts are protected, the
 * policy observes the routing, the prefetcher names experts of later layers of the same step (loaded at once if
 * the cache admits them), then needed experts already resident are hits and the others load on demand.
 */
public final class Replay {
    /** What to replay: the cache share and split, the policy and prefetcher, and which tokens in which order. */
    public record Options(double cacheFraction, String policy, String prefetch, int groupRows, long limitTokens,
                          RequestRange requests, RoutingProfile profile) {
    }

    private final Trace trace;
    private final Schedule schedule;
    private final ExpertCache cache;
    private final CachePolicy policy;
    private final Prefetcher prefetcher;
    private final PrefetchScore score;
    private final int layers;
    private final long[] lookups;
    private final long[] hits;
    private final long[] demandLoads;
    private final long[] prefetchLoads;
    private final long[] usefulPrefetches;
    private final long[] evictions;
    private final int[][] prefetchedAt; // (layer, expert) step that prefetched it, or -1
    private int step;
    private int layer;

    private Replay(Trace trace, Schedule schedule, ExpertCache cache, Prefetcher prefetcher) {
        RoutingShape shape = trace.shape();
        this.trace = trace;
        this.schedule = schedule;
        this.cache = cache;
        this.policy = cache.policy();
        this.prefetcher = prefetcher;
        this.layers = shape.layers();
        this.score = new PrefetchScore(layers, shape.experts(), 0);
        this.lookups = new long[layers];
        this.hits = new long[layers];
        this.demandLoads = new long[layers];
        this.prefetchLoads = new long[layers];
        this.usefulPrefetches = new long[layers];
        this.evictions = new long[layers];
        this.prefetchedAt = new int[layers][shape.experts()];
        for (int[] p : prefetchedAt) {
            Arrays.fill(p, -1);
        }
    }

    /** Slots per layer for a cache share: round(F x experts), at least top-k, at most every expert. */
    public static int slotsPerLayer(RoutingShape shape, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("--cache-fraction must be in (0, 1], not " + fraction);
        }
        return Math.min(shape.experts(), Math.max(shape.topK(), (int) Math.round(fraction * shape.experts())));
    }

    /** Builds the schedule, policy, prefetcher and cache that {@code options} name, replays, and adds Belady's figures. */
    public static ReplayResult run(Trace trace, Options options) {
        RoutingShape shape = trace.shape();
        RoutingProfile profile = options.profile() == null ? null : options.profile().requireShape(shape);
        Schedule schedule = Schedule.of(trace, options.requests(), options.limitTokens(), options.groupRows());
        Prefetcher prefetcher = Prefetchers.create(options.prefetch(), shape, profile);
        CachePolicy policy = CachePolicies.create(options.policy(), shape, profile, prefetcher);
        int slots = slotsPerLayer(shape, options.cacheFraction());
        boolean[] moe = new boolean[shape.layers()];
        Arrays.fill(moe, true);
        int[] quotas = policy.quotas(slots * shape.layers(), moe, shape.experts(), shape.topK());
        ExpertCache cache = new ExpertCache(quotas, shape.experts(), policy);
        return run(trace, schedule, cache, prefetcher, slots);
    }

    /** Replays {@code schedule} through {@code cache}; Belady is measured at {@code evenSlots} per layer too. */
    public static ReplayResult run(Trace trace, Schedule schedule, ExpertCache cache, Prefetcher prefetcher,
                                   int evenSlots) {
        Replay r = new Replay(trace, schedule, cache, prefetcher);
        r.replay();
        int[] quotas = new int[r.layers];
        for (int l = 0; l < quotas.length; l++) {
            quotas[l] = cache.quota(l);
        }
        int[] even = new int[r.layers];
        Arrays.fill(even, evenSlots);
        long[] belady = Belady.hits(trace, schedule, quotas);
        boolean evenQuotas = Arrays.equals(quotas, even);
        long beladyEven = Arrays.stream(evenQuotas ? belady : Belady.hits(trace, schedule, even)).sum();
        List<LayerFigures> figures = new ArrayList<>();
        for (int l = 0; l < r.layers; l++) {
            figures.add(new LayerFigures(quotas[l], r.lookups[l], r.hits[l], r.demandLoads[l], r.prefetchLoads[l],
                    r.usefulPrefetches[l], r.evictions[l], r.score.precision(l), r.score.recall(l), belady[l]));
        }
        int groupRows = 0;
        for (int s = 0; s < schedule.steps(); s++) {
            groupRows = Math.max(groupRows, schedule.stepStart(s + 1) - schedule.stepStart(s));
        }
        return new ReplayResult(trace.shape(), schedule.tokens(), schedule.steps(), schedule.requests(), groupRows,
                evenSlots, cache.policy().name(), prefetcher.name(), r.score.precision(), r.score.recall(),
                List.copyOf(figures), beladyEven, Arrays.stream(belady).sum(), evenQuotas);
    }

    private void replay() {
        int experts = trace.shape().experts();
        int[] need = new int[experts];
        boolean[] seen = new boolean[experts];
        boolean[] served = new boolean[experts];
        boolean[] guarded = new boolean[experts];
        TraceEvents.replay(trace, schedule, new TraceEvents.Listener() {
            @Override
            public void routed(RoutingEvent event, int s) {
                step = s;
                layer = event.layer();
                int n = StepExperts.of(trace, schedule, step, layer, need, seen);
                for (int i = 0; i < n; i++) {
                    cache.protect(layer, need[i]);
                    guarded[need[i]] = true;
                }
                score.routed(layer, need, n);
                policy.observe(event);
                prefetcher.predict(event, Replay.this::prefetch);
                lookups[layer] += n;
                for (int i = 0; i < n; i++) { // resident experts compute first
                    int e = need[i];
                    if (cache.isResident(layer, e)) {
                        served[e] = true;
                        hits[layer]++;
                        cache.use(layer, e);
                        if (prefetchedAt[layer][e] == step) {
                            usefulPrefetches[layer]++;
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (!served[need[i]]) {
                        demand(need[i], need, n, served, guarded);
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (guarded[need[i]]) {
                        cache.unprotect(layer, need[i]);
                        guarded[need[i]] = false;
                    }
                    served[need[i]] = false;
                }
            }

            @Override
            public void requestEnded(long requestId) {
                policy.requestEnded(requestId);
                prefetcher.requestEnded(requestId);
            }
        });
    }

    /** Loads a missed expert; when every slot holds a needed expert, those already served give way. */
    private void demand(int expert, int[] need, int n, boolean[] served, boolean[] guarded) {
        if (cache.admit(layer, expert, false) == ExpertCache.NO_ROOM) {
            for (int i = 0; i < n; i++) {
                if (served[need[i]] && guarded[need[i]]) {
                    cache.unprotect(layer, need[i]);
                    guarded[need[i]] = false;
                }
            }
            if (cache.admit(layer, expert, false) == ExpertCache.NO_ROOM) {
                throw new IllegalStateException("layer " + layer + " has no slot for expert " + expert);
            }
        }
        if (cache.lastEvicted() >= 0) {
            evictions[layer]++;
        }
        cache.loaded(layer, expert);
        cache.use(layer, expert);
        demandLoads[layer]++;
        prefetchedAt[layer][expert] = -1;
        served[expert] = true;
    }

    private void prefetch(int target, int expert) {
        if (target <= layer || target >= layers) {
            throw new IllegalStateException(prefetcher.name() + " prefetched layer " + target + " while layer " + layer
                    + " ran; replay prefetches only later layers of the same step");
        }
        score.predict(target, expert);
        if (cache.isPresent(target, expert) || cache.admit(target, expert, true) == ExpertCache.NO_ROOM) {
            return;
        }
        if (cache.lastEvicted() >= 0) {
            evictions[target]++;
        }
        cache.loaded(target, expert);
        prefetchLoads[target]++;
        prefetchedAt[target][expert] = step;
    }
}
