package dev.klotski.engine.offload;

import java.util.Arrays;

/**
 * The bookkeeping of one tier's expert slots: which experts of each layer hold a slot (loading or resident),
 * which are protected from eviction, and which to evict when a slot is needed ({@link CachePolicy}). It moves
 * no bytes: the engine's tiers fill the slots it hands out, and trace replay uses it alone. Each layer has home
 * slots ({@link CachePolicy#quotas}) that only its own traffic evicts, so they keep what the policy values across
 * steps; an optional shared pool lends slots to whichever layer is loading, so loads can run a layer or more
 * ahead of compute (the multi-batch pipeline streams experts through it). A layer uses a free home slot, then a
 * free pool slot, then evicts the pool's least recently used expert, and only then one of its own.
 *
 * <p>Slot ids are global: layer l's home slots come first, layer by layer, then the pool's.
 *
 * <p>Not thread-safe: the owner serialises calls (the engine holds its tier lock).
 */
public final class ExpertCache {
    /** {@link #admit} found no slot: every slot of the layer is loading or protected, or a prefetch was declined. */
    public static final int NO_ROOM = -1;

    private static final byte ABSENT = 0;
    private static final byte LOADING = 1;
    private static final byte RESIDENT = 2;

    private final int experts;
    private final int[] quotas;        // (layer) slots
    private final CachePolicy policy;
    private final byte[][] state;      // (layer, expert)
    private final int[][] slotOf;      // (layer, expert) global slot id, or -1
    private final int[][] protection;  // (layer, expert) count of holders that forbid eviction
    private final int[][] freeSlots;   // (layer, quota) stack of free home slot ids
    private final int[] freeCount;     // (layer)
    private final int[] used;          // (layer) slots taken
    private int usedTotal;             // slots taken in all layers
    private final int[] candidates;    // scratch for victim choice
    private final int homeTotal;       // home slots of all layers: pool ids start here
    private final int[] poolFree;      // stack of free pool slot ids
    private int poolFreeCount;
    private final int[] poolLayer;     // (pool) layer of the expert holding each pool slot, or -1
    private final int[] poolExpert;    // (pool) that expert
    private final long[] poolUse;      // (pool) when it was last admitted or used: the pool evicts the oldest
    private long clock;
    private int lastEvicted = -1;
    private int lastEvictedLayer = -1;

    public ExpertCache(int[] quotas, int experts, CachePolicy policy) {
        this(quotas, experts, policy, 0);
    }

    /** @param poolSlots slots any layer may borrow, beyond the layers' home slots */
    public ExpertCache(int[] quotas, int experts, CachePolicy policy, int poolSlots) {
        int layers = quotas.length;
        this.experts = experts;
        this.quotas = quotas.clone();
        this.policy = policy;
        this.state = new byte[layers][experts];
        this.slotOf = new int[layers][experts];
        this.protection = new int[layers][experts];
        this.freeSlots = new int[layers][];
        this.freeCount = new int[layers];
        this.used = new int[layers];
        this.candidates = new int[experts];
        for (int l = 0; l < layers; l++) {
            if (quotas[l] < 0 || quotas[l] > experts) {
                throw new IllegalArgumentException("layer " + l + " quota " + quotas[l] + " is outside [0, " + experts + "]");
            }
            Arrays.fill(slotOf[l], -1);
        }
        int base = 0;
        for (int l = 0; l < layers; l++) {
            freeSlots[l] = new int[quotas[l]];
            for (int s = 0; s < quotas[l]; s++) {
                freeSlots[l][s] = base + quotas[l] - 1 - s; // pop the layer's first slot first
            }
            freeCount[l] = quotas[l];
            base += quotas[l];
        }
        if (poolSlots < 0) {
            throw new IllegalArgumentException("pool slots must be >= 0, got " + poolSlots);
        }
        this.homeTotal = base;
        this.poolFree = new int[poolSlots];
        for (int s = 0; s < poolSlots; s++) {
            poolFree[s] = base + poolSlots - 1 - s;
        }
        this.poolFreeCount = poolSlots;
        this.poolLayer = new int[poolSlots];
        this.poolExpert = new int[poolSlots];
        this.poolUse = new long[poolSlots];
        Arrays.fill(poolLayer, -1);
    }

    /** Slots any layer may borrow. */
    public int poolSlots() {
        return poolFree.length;
    }

    public CachePolicy policy() {
        return policy;
    }

    public int layers() {
        return quotas.length;
    }

    public int experts() {
        return experts;
    }

    /** Home slots of {@code layer}. */
    public int quota(int layer) {
        return quotas[layer];
    }

    /** Home slots of all layers plus the pool. */
    public int totalSlots() {
        return homeTotal + poolFree.length;
    }

    /** Resident: loaded and readable. */
    public boolean isResident(int layer, int expert) {
        return state[layer][expert] == RESIDENT;
    }

    /** Holds a slot: resident or loading. */
    public boolean isPresent(int layer, int expert) {
        return state[layer][expert] != ABSENT;
    }

    public boolean isLoading(int layer, int expert) {
        return state[layer][expert] == LOADING;
    }

    /** The expert's global slot id, or -1 when it holds none. */
    public int slot(int layer, int expert) {
        return slotOf[layer][expert];
    }

    /** Slots {@code layer}'s experts hold now (home and borrowed, resident or loading). */
    public int occupied(int layer) {
        return used[layer];
    }

    /** Slots of all layers taken now. */
    public int occupied() {
        return usedTotal;
    }

    /** Forbids evicting the expert until a matching {@link #unprotect}; works whether or not it is present. */
    public void protect(int layer, int expert) {
        protection[layer][expert]++;
    }

    public void unprotect(int layer, int expert) {
        if (protection[layer][expert] <= 0) {
            throw new IllegalStateException("expert " + expert + " of layer " + layer + " is not protected");
        }
        protection[layer][expert]--;
    }

    public boolean isProtected(int layer, int expert) {
        return protection[layer][expert] > 0;
    }

    /** A pass used the (resident) expert: tells the policy (and the pool, when it holds a pool slot). */
    public void use(int layer, int expert) {
        policy.onUse(layer, expert);
        int slot = slotOf[layer][expert];
        if (slot >= homeTotal) {
            poolUse[slot - homeTotal] = ++clock;
        }
    }

    /**
     * Gives an absent expert a slot, evicting the policy's victim among the layer's resident, unprotected experts
     * when none is free; the expert is then loading. Returns the slot, or {@link #NO_ROOM} (also when a prefetch
     * would evict what the policy values more: {@link CachePolicy#evictsForPrefetch}). The expert evicted
     * to make room is {@link #lastEvicted()} (-1 when a free slot was used).
     */
    public int admit(int layer, int expert, boolean prefetched) {
        return admit(layer, expert, prefetched, null, null);
    }

    /**
     * Admits a prefetch as {@link #admit} does, but never evicts a resident expert that {@code predictions} also
     * predicts for the layer: when a pass needs more experts than the layer has slots, a guess would otherwise
     * throw out one certain hit to make room for another.
     */
    public int admitPrediction(int layer, int expert, PrefetchScore predictions) {
        return admit(layer, expert, true, predictions, null);
    }

    /**
     * Admits an expert a pass needs, as {@link #admit} does, but when it must take a pool slot from another
     * expert it spares those {@code predictions} expects soon (a prefetched expert whose layer has not routed yet)
     * while any other will do.
     */
    public int admitDemand(int layer, int expert, PrefetchScore predictions) {
        return admit(layer, expert, false, null, predictions);
    }

    private int admit(int layer, int expert, boolean prefetched, PrefetchScore keep, PrefetchScore spare) {
        if (state[layer][expert] != ABSENT) {
            throw new IllegalStateException("expert " + expert + " of layer " + layer + " already holds a slot");
        }
        lastEvicted = -1;
        lastEvictedLayer = -1;
        int slot;
        if (freeCount[layer] > 0) {
            slot = freeSlots[layer][--freeCount[layer]];
        } else if (poolFreeCount > 0) {
            slot = poolFree[--poolFreeCount];
        } else if ((slot = poolVictimSlot(keep != null ? keep : spare, keep != null)) >= 0) {
            int p = slot - homeTotal;
            evict(poolLayer[p], poolExpert[p]);
            slot = poolFree[--poolFreeCount]; // evict() pushed it back; take it again
        } else {
            int n = 0;
            byte[] st = state[layer];
            int[] prot = protection[layer];
            for (int e = 0; e < experts; e++) {
                if (st[e] == RESIDENT && prot[e] == 0 && slotOf[layer][e] < homeTotal
                        && (keep == null || !keep.isPredicted(layer, e))) {
                    candidates[n++] = e;
                }
            }
            if (n == 0) {
                return NO_ROOM;
            }
            int victim = policy.victim(layer, candidates, n);
            if (state[layer][victim] != RESIDENT || prot[victim] != 0) {
                throw new IllegalStateException(policy.name() + " chose expert " + victim + " of layer " + layer
                        + ", which is not an evictable candidate");
            }
            if (prefetched && !policy.evictsForPrefetch(layer, expert, victim)) {
                return NO_ROOM; // the policy values what it would evict more than the guess
            }
            slot = slotOf[layer][victim];
            evict(layer, victim);
            freeCount[layer]--; // evict() pushed the slot back; take it again
        }
        state[layer][expert] = LOADING;
        slotOf[layer][expert] = slot;
        used[layer]++;
        usedTotal++;
        if (slot >= homeTotal) {
            poolLayer[slot - homeTotal] = layer;
            poolExpert[slot - homeTotal] = expert;
            poolUse[slot - homeTotal] = ++clock;
        }
        policy.onInsert(layer, expert, prefetched);
        return slot;
    }

    /**
     * The pool slot of the least recently used resident, unprotected expert, or -1. Experts {@code predicted}
     * expects go last, and not at all when {@code strict} (a guess never evicts another guess's hit).
     */
    private int poolVictimSlot(PrefetchScore predicted, boolean strict) {
        int best = -1;
        boolean bestPredicted = false;
        for (int p = 0; p < poolLayer.length; p++) {
            int l = poolLayer[p];
            if (l < 0) {
                continue;
            }
            int e = poolExpert[p];
            if (state[l][e] != RESIDENT || protection[l][e] != 0) {
                continue;
            }
            boolean isPredicted = predicted != null && predicted.isPredicted(l, e);
            if (isPredicted && strict) {
                continue;
            }
            if (best < 0 || (bestPredicted && !isPredicted)
                    || (bestPredicted == isPredicted && poolUse[p] < poolUse[best])) {
                best = p;
                bestPredicted = isPredicted;
            }
        }
        return best < 0 ? -1 : homeTotal + best;
    }

    private void evict(int layer, int victim) {
        remove(layer, victim);
        policy.onEvict(layer, victim);
        lastEvicted = victim;
        lastEvictedLayer = layer;
    }

    /** The expert evicted by the last {@link #admit}, or -1. */
    public int lastEvicted() {
        return lastEvicted;
    }

    /** The layer of the expert evicted by the last {@link #admit} (another layer's, from the pool), or -1. */
    public int lastEvictedLayer() {
        return lastEvictedLayer;
    }

    /** A loading expert's bytes are in its slot: it is resident. */
    public void loaded(int layer, int expert) {
        if (state[layer][expert] != LOADING) {
            throw new IllegalStateException("expert " + expert + " of layer " + layer + " is not loading");
        }
        state[layer][expert] = RESIDENT;
    }

    /** A loading expert's load was abandoned (failed or cancelled): its slot is free again. */
    public void abandon(int layer, int expert) {
        if (state[layer][expert] != LOADING) {
            throw new IllegalStateException("expert " + expert + " of layer " + layer + " is not loading");
        }
        remove(layer, expert);
        policy.onEvict(layer, expert);
    }

    private void remove(int layer, int expert) {
        int slot = slotOf[layer][expert];
        if (slot >= homeTotal) {
            poolFree[poolFreeCount++] = slot;
            poolLayer[slot - homeTotal] = -1;
        } else {
            freeSlots[layer][freeCount[layer]++] = slot;
        }
        slotOf[layer][expert] = -1;
        state[layer][expert] = ABSENT;
        used[layer]--;
        usedTotal--;
    }
}
