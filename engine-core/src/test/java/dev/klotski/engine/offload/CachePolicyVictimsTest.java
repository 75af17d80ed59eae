package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each policy's victim on hand-made use sequences, through the cache the engine and replay share. */
class CachePolicyVictimsTest {

    /** Uses {@code sequence} of one layer in a cache of {@code slots}; returns the experts evicted, in order. */
    static String evictions(CachePolicy policy, int slots, int experts, int... sequence) {
        ExpertCache cache = new ExpertCache(new int[] {slots}, experts, policy);
        StringBuilder out = new StringBuilder();
        for (int e : sequence) {
            if (!cache.isResident(0, e)) {
                cache.protect(0, e);
                cache.admit(0, e, false);
                cache.unprotect(0, e);
                if (cache.lastEvicted() >= 0) {
                    out.append(out.length() > 0 ? " " : "").append(cache.lastEvicted());
                }
                cache.loaded(0, e);
            }
            cache.use(0, e);
        }
        return out.toString();
    }

    @Test
    void lruEvictsTheOldestUseAndLfuTheRarest() {
        // 0 is used three times, then 1 once: LRU throws out 0 (older), LFU keeps it and throws out 1.
        assertEquals("0", evictions(new LruPolicy(1, 4), 2, 4, 0, 0, 0, 1, 2));
        assertEquals("1", evictions(new LfuPolicy(1, 4), 2, 4, 0, 0, 0, 1, 2));
        // Equal counts: the least recently used goes.
        assertEquals("0", evictions(new LfuPolicy(1, 4), 2, 4, 0, 1, 2));
    }

    @Test
    void lfuCountsSurviveEvictionAndAgeAway() {
        // 1 was used twice before being evicted; back again (3 uses) it outranks the more recent 2 (1 use).
        LfuPolicy lfu = new LfuPolicy(1, 4);
        lfu.onUse(0, 1);
        lfu.onUse(0, 1);
        lfu.onEvict(0, 1);
        lfu.onInsert(0, 1, false);
        lfu.onUse(0, 1);
        lfu.onInsert(0, 2, false);
        lfu.onUse(0, 2);
        assertEquals(2, lfu.victim(0, new int[] {1, 2}, 2));
        LfuPolicy aging = new LfuPolicy(1, 4, 4);
        for (int e : new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}) {
            aging.onUse(0, e);
        }
        // Halved after use 4 (0: 4 -> 2) and use 8 (0: 4 -> 2, 1: 2 -> 1), then 1 twice more: 0 has 2, 1 has 3.
        assertEquals(2, aging.uses(0, 0));
        assertEquals(3, aging.uses(0, 1));
        assertEquals(0, aging.victim(0, new int[] {0, 1}, 2));
        LfuPolicy plain = new LfuPolicy(1, 4, Integer.MAX_VALUE);
        for (int e : new int[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1}) {
            plain.onUse(0, e);
        }
        assertEquals(1, plain.victim(0, new int[] {0, 1}, 2), "without aging the six early uses win");
    }

    @Test
    void shallowIsLruWithinALayerAndFavoursEarlyLayers() {
        assertEquals("0", evictions(new ShallowPolicy(1, 4), 2, 4, 0, 0, 0, 1, 2));
        boolean[] moe = {true, true, true, true, true, true};
        int[] q = new ShallowPolicy(6, 8).quotas(24, moe, 8, 2);
        assertArrayEquals(new int[] {8, 8, 2, 2, 2, 2}, q, "two full layers leave the other four their minimum");
    }

    @Test
    void activationAwareEvictsWhatRunningRequestsUseLeast() {
        RoutingShape shape = new RoutingShape(2, 4, 1);
        ActivationAwarePolicy p = new ActivationAwarePolicy(shape);
        // request 7 used expert 0 twice and 1 once at layer 1; request 8 used expert 2 once.
        p.observe(Routing.event(1, 7, 0));
        p.observe(Routing.event(1, 7, 0));
        p.observe(Routing.event(1, 7, 1));
        p.observe(Routing.event(1, 8, 2));
        assertEquals((2.0 / 3 + 1e-6) * 0.5, p.priority(1, 0), 1e-12, "(p + eps) * (1 - layer / layers)");
        assertEquals((1.0 + 1e-6) * 0.5, p.priority(1, 2), 1e-12, "each request's row is normalised on its own");
        assertEquals(1, p.victim(1, new int[] {0, 1, 2}, 3));
        // Ties (experts no running request uses) go to the least recently used.
        p.onUse(1, 3);
        p.onInsert(1, 1, false);
        p.requestEnded(7);
        assertEquals(0, p.victim(1, new int[] {0, 1, 2}, 3), "request 7 ended: 0 and 1 unused, 0 less recent");
        assertEquals(3, p.victim(1, new int[] {2, 3}, 2));
    }

    @Test
    void pinKeepsTheProfilesHottestExperts() {
        RoutingShape shape = new RoutingShape(1, 6, 1);
        ProfileLearner learner = new ProfileLearner(shape);
        int[] hot = {5, 5, 5, 4, 4, 3};
        for (int e : hot) {
            learner.observe(Routing.event(0, 1, e));
        }
        learner.requestEnded(1);
        PinPolicy pin = new PinPolicy(shape, learner.profile("test"), 0.5);
        assertArrayEquals(new int[] {4}, pin.quotas(4, new boolean[] {true}, 6, 1));
        assertTrue(pin.isPinned(0, 5) && pin.isPinned(0, 4));
        assertFalse(pin.isPinned(0, 3));
        // 5 and 4 are the oldest but pinned: 0 goes, then 1, and 5 and 4 are never evicted.
        assertEquals("0 1 2", evictions(pin, 4, 6, 5, 4, 0, 1, 2, 3, 0, 5, 4));
        assertEquals(5, pin.victim(0, new int[] {5, 4}, 2), "only pinned candidates left: least recently used");
    }

    @Test
    void forecastEvictsTheLeastWorthAndDeclinesWeakerPrefetches() {
        double[] worth = {0.9, 0.1, 0.5, 0.3};
        ForecastPolicy p = new ForecastPolicy(new RoutingShape(1, 4, 1), (layer, expert) -> worth[expert]);
        assertEquals(1, p.victim(0, new int[] {0, 1, 2}, 3));
        ExpertCache cache = new ExpertCache(new int[] {2}, 4, p);
        for (int e : new int[] {0, 2}) {
            cache.admit(0, e, false);
            cache.loaded(0, e);
        }
        assertEquals(ExpertCache.NO_ROOM, cache.admit(0, 3, true), "3 (0.3) would evict 2 (0.5)");
        assertTrue(cache.isResident(0, 2));
        worth[3] = 0.7;
        assertEquals(1, cache.admit(0, 3, true), "now worth more: 2 gives its slot");
        assertFalse(cache.isPresent(0, 2));
        worth[1] = 0;
        cache.loaded(0, 3);
        assertTrue(cache.admit(0, 1, false) >= 0, "a demand load is never declined");
        assertEquals(3, cache.lastEvicted());
    }
}
