package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The slot bookkeeping: admission, eviction by policy, protection, abandoned loads. */
class ExpertCacheTest {

    private static ExpertCache cache(int... quotas) {
        return new ExpertCache(quotas, 4, new LruPolicy(quotas.length, 4));
    }

    private static void load(ExpertCache c, int layer, int expert) {
        c.admit(layer, expert, false);
        c.loaded(layer, expert);
    }

    @Test
    void freeSlotsFirstThenTheLeastRecentlyUsedOfTheLayer() {
        ExpertCache c = cache(2, 2);
        load(c, 0, 1);
        load(c, 0, 2);
        load(c, 1, 3);
        c.use(0, 1); // expert 2 is now the least recently used in layer 0
        assertEquals(2, c.occupied(0));
        int slot = c.admit(0, 3, false);
        assertEquals(2, c.lastEvicted());
        assertEquals(slot, c.slot(0, 3), "the new expert takes the victim's slot");
        assertFalse(c.isPresent(0, 2));
        assertTrue(c.isLoading(0, 3));
        assertTrue(c.isResident(1, 3), "another layer's experts are untouched");
    }

    @Test
    void protectedAndLoadingExpertsAreNeverEvicted() {
        ExpertCache c = cache(2);
        load(c, 0, 0);
        c.admit(0, 1, true); // still loading
        c.protect(0, 0);
        assertEquals(ExpertCache.NO_ROOM, c.admit(0, 2, false), "0 is protected, 1 is loading");
        c.loaded(0, 1);
        c.admit(0, 2, false);
        assertEquals(1, c.lastEvicted(), "the only unprotected resident expert");
        c.unprotect(0, 0);
        c.loaded(0, 2);
        c.admit(0, 3, false);
        assertEquals(0, c.lastEvicted(), "LRU once 0 is free to go: it was inserted before 2");
    }

    @Test
    void anAbandonedLoadFreesItsSlot() {
        ExpertCache c = cache(1);
        c.admit(0, 3, false);
        c.abandon(0, 3);
        assertFalse(c.isPresent(0, 3));
        assertEquals(0, c.occupied(0));
        c.admit(0, 2, false);
        assertEquals(-1, c.lastEvicted(), "the freed slot was reused without an eviction");
    }

    @Test
    void misuseIsCaught() {
        ExpertCache c = cache(1);
        assertThrows(IllegalStateException.class, () -> c.unprotect(0, 1));
        assertThrows(IllegalStateException.class, () -> c.loaded(0, 1));
        load(c, 0, 1);
        assertThrows(IllegalStateException.class, () -> c.admit(0, 1, false));
    }

    @Test
    void equalQuotasSkipDenseLayersAndGiveTheRemainderToEarlyLayers() {
        assertArrayEquals(new int[] {0, 3, 3, 2}, Quotas.equal(8, new boolean[] {false, true, true, true}, 4));
        assertArrayEquals(new int[] {4, 4}, Quotas.equal(100, new boolean[] {true, true}, 4), "never above experts");
    }

    @Test
    void aLayerBorrowsFromThePoolOnceItsHomeSlotsAreTakenAndThePoolEvictsItsOldest() {
        ExpertCache c = new ExpertCache(new int[] {1, 1}, 4, new LruPolicy(2, 4), 2);
        assertEquals(4, c.totalSlots());
        load(c, 0, 0); // home slot of layer 0
        int borrowed = c.admit(0, 1, false);
        assertTrue(borrowed >= 2, "pool ids follow the home slots: " + borrowed);
        c.loaded(0, 1);
        load(c, 0, 2); // the second pool slot
        assertEquals(3, c.occupied(0));
        c.use(0, 1); // 2 is now the pool's oldest
        load(c, 1, 3); // layer 1's home slot: nothing evicted
        assertEquals(-1, c.lastEvicted());
        int slot = c.admit(1, 0, false); // layer 1 needs a second slot: the pool's least recently used goes
        assertEquals(2, c.lastEvicted());
        assertEquals(0, c.lastEvictedLayer(), "another layer's borrowed expert");
        assertTrue(c.isResident(0, 0) && c.isResident(0, 1), "layer 0's home expert and its newer borrowed one stay");
        assertTrue(slot >= 2);
    }

    @Test
    void aProtectedPoolExpertStaysAndTheLayerEvictsOneOfItsOwnInstead() {
        ExpertCache c = new ExpertCache(new int[] {1, 1}, 4, new LruPolicy(2, 4), 1);
        load(c, 0, 0);
        load(c, 0, 1); // borrowed
        c.protect(0, 1);
        load(c, 1, 2);
        c.admit(1, 3, false);
        assertEquals(2, c.lastEvicted());
        assertEquals(1, c.lastEvictedLayer());
        assertTrue(c.isResident(0, 1), "protected: its layer has not computed it yet");
    }

    @Test
    void aGuessNeverEvictsAPredictedPoolExpert() {
        ExpertCache c = new ExpertCache(new int[] {1, 1}, 4, new LruPolicy(2, 4), 1);
        load(c, 0, 0);
        load(c, 0, 1); // borrowed
        load(c, 1, 2);
        PrefetchScore predictions = new PrefetchScore(2, 4, 0);
        predictions.predict(0, 1);
        predictions.predict(1, 2);
        assertEquals(ExpertCache.NO_ROOM, c.admitPrediction(1, 3, predictions), "both candidates are predicted");
        PrefetchScore none = new PrefetchScore(2, 4, 0);
        c.admitPrediction(1, 3, none);
        assertEquals(1, c.lastEvicted(), "the pool goes first");
        assertEquals(0, c.lastEvictedLayer());
    }

    @Test
    void aDemandLoadSparesAPrefetchedPoolExpertWhileAnotherWillDo() {
        ExpertCache c = new ExpertCache(new int[] {1, 1}, 4, new LruPolicy(2, 4), 2);
        load(c, 1, 0);
        load(c, 1, 1); // pool, prefetched for layer 1 (older)
        load(c, 0, 2);
        load(c, 0, 3); // pool, layer 0 computed it already (newer)
        PrefetchScore predictions = new PrefetchScore(2, 4, 0);
        predictions.predict(1, 1);
        c.admitDemand(0, 0, predictions);
        assertEquals(3, c.lastEvicted(), "the unpredicted one goes although it is newer");
        assertTrue(c.isResident(1, 1), "the guess for layer 1 waits for its layer");
    }
}
