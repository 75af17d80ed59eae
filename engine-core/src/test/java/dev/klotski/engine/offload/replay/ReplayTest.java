package dev.klotski.engine.offload.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.offload.ExpertCache;
import dev.klotski.engine.offload.LruPolicy;
import dev.klotski.engine.offload.PrefetchSink;
import dev.klotski.engine.offload.Prefetcher;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replay end to end on small traces written here, with figures worked out by hand. */
class ReplayTest {
    @TempDir
    Path tmp;

    /**
     * 2 layers x 4 experts, top-1. Request 0: layer 0 picks 0, 1, 2 and layer 1 picks 3, 3, 3; request 1:
     * layer 0 picks 0, 1 and layer 1 picks 1, 3.
     */
    private Trace small() throws Exception {
        return Trace.read(NpyFiles.trace(tmp.resolve("t"), new int[][][][] {
                {{{0}, {3}}, {{1}, {3}}, {{2}, {3}}},
                {{{0}, {1}}, {{1}, {3}}}}));
    }

    private static Replay.Options options(String policy, int groupRows) {
        return new Replay.Options(0.5, policy, "none", groupRows, 0, RequestRange.ALL, null);
    }

    @Test
    void lruOneRequestAfterAnother() throws Exception {
        Trace t = small();
        assertEquals("2 layers x 4 experts, top-1", t.shape().toString());
        ReplayResult r = Replay.run(t, options("lru", 1));
        assertEquals(2, r.slotsPerLayer(), "round(0.5 x 4)");
        // Layer 0 sees 0 1 2 0 1: with two slots LRU always evicts what comes next (0 hits); MIN keeps 0 (1 hit).
        // Layer 1 sees 3 3 3 1 3: 3 hits for both.
        assertEquals(0, r.layers().get(0).hits());
        assertEquals(3, r.layers().get(1).hits());
        assertEquals(0.3, r.hitRate(), 1e-12);
        assertEquals(0.4, r.beladyHitRate(), 1e-12);
        assertEquals(0.7, r.loadsPerToken(), 1e-12, "7 misses over 5 tokens x 2 layers");
        assertEquals(5, r.tokens());
        assertEquals(5, r.steps());
        assertEquals(1.0, r.distinctExpertsPerStep(), 1e-12);
    }

    @Test
    void groupRowsInterleaveRequestsStepByStep() throws Exception {
        ReplayResult r = Replay.run(small(), options("lru", 2));
        // Steps: {r0 t0, r1 t0}, {r0 t1, r1 t1}, {r0 t2}. Layer 0 needs {0}, {1}, {2}: no hits.
        // Layer 1 needs {3, 1}, {3}, {3}: 2 misses, then 2 hits.
        assertEquals(3, r.steps());
        assertEquals(2, r.groupRows());
        assertEquals(0, r.layers().get(0).hits());
        assertEquals(2, r.layers().get(1).hits());
        assertEquals(2.0 / 7, r.hitRate(), 1e-12);
        assertEquals(0.5, r.loadsPerToken(), 1e-12, "5 misses over 5 tokens x 2 layers");
        assertEquals(1.0, r.distinctExpertsPerStep(0), 1e-12);
        assertEquals(4.0 / 3, r.distinctExpertsPerStep(1), 1e-12);
    }

    /** After layer 0 routes, always names expert 1 of layer 1. */
    private static final class AlwaysOne implements Prefetcher {
        @Override
        public String name() {
            return "always-one";
        }

        @Override
        public void predict(RoutingEvent event, PrefetchSink sink) {
            if (event.layer() == 0) {
                sink.prefetch(1, 1);
            }
        }
    }

    private static ReplayResult replay(Trace t, Prefetcher p, int groupRows) {
        Schedule s = Schedule.of(t, RequestRange.ALL, 0, groupRows);
        return Replay.run(t, s, new ExpertCache(new int[] {2, 2}, 4, new LruPolicy(2, 4)), p, 2);
    }

    @Test
    void prefetchesLoadAheadAndAreScored() throws Exception {
        ReplayResult r = replay(small(), new AlwaysOne(), 1);
        // Step 0 prefetches 1 into layer 1 (a load), 3 misses beside it; from then on 1 is present (named, not
        // loaded again); layer 1 needs 3 3 3 1 3: only the first 3 misses, so 4 hits.
        assertEquals(4, r.layers().get(1).hits());
        assertEquals(1, r.layers().get(1).prefetchLoads());
        assertEquals(1, r.layers().get(1).demandLoads());
        assertEquals(0.4, r.hitRate(), 1e-12);
        assertEquals(0.7, r.loadsPerToken(), 1e-12, "6 misses and 1 prefetch over 10");
        assertEquals(0.2, r.prefetchPrecision(), 1e-12, "1 is named five times, needed once");
        assertEquals(0.2, r.prefetchRecall(), 1e-12, "of layer 1's five needs one was named; layer 0 is not counted");
        assertEquals(0, r.usefulPrefetchShare(), 1e-12, "the load of step 0 was needed only at step 3");
    }

    @Test
    void aStepNeedingMoreExpertsThanSlotsStillRuns() throws Exception {
        Trace t = Trace.read(NpyFiles.trace(tmp.resolve("wide"), new int[][][][] {
                {{{0}, {0}}}, {{{1}, {0}}}, {{{2}, {0}}}}));
        ReplayResult r = replay(t, new AlwaysOne(), 3);
        assertEquals(1, r.steps());
        assertEquals(3, r.layers().get(0).demandLoads(), "three experts through two slots");
        assertEquals(1, r.layers().get(0).evictions());
    }

    @Test
    void aPrefetchForAnEarlierLayerIsABug() throws Exception {
        Prefetcher backwards = new Prefetcher() {
            @Override
            public String name() {
                return "backwards";
            }

            @Override
            public void predict(RoutingEvent event, PrefetchSink sink) {
                sink.prefetch(event.layer(), 0);
            }
        };
        String m = assertThrows(IllegalStateException.class, () -> replay(small(), backwards, 1)).getMessage();
        assertTrue(m.contains("backwards") && m.contains("later layers"), m);
    }

    @Test
    void tokenLimitsAndRequestRangesChooseTheTokens() throws Exception {
        Trace t = small();
        assertEquals(4, Schedule.of(t, RequestRange.ALL, 4, 1).tokens());
        Schedule second = Schedule.of(t, RequestRange.parse("1:"), 0, 1);
        assertEquals(2, second.tokens());
        assertEquals(3, second.row(0), "request 1 starts at trace row 3");
        assertEquals(1, second.request(0));
        assertTrue(second.isLast(1));
        assertThrows(IllegalArgumentException.class, () -> Schedule.of(t, RequestRange.parse("3:"), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> RequestRange.parse("2"));
        assertThrows(IllegalArgumentException.class, () -> RequestRange.parse("5:2"));
    }

    @Test
    void badTraceFoldersNameTheFile() throws Exception {
        Path dir = NpyFiles.trace(tmp.resolve("bad"), new int[][][][] {{{{0}, {1}}}});
        Path offsets = dir.resolve(Trace.REQUEST_OFFSETS);
        Files.write(offsets, NpyFiles.npy(NpyFiles.dict("<i8", "(2,)"), NpyFiles.int64(0, 5)));
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> Trace.read(dir));
        assertTrue(e.getMessage().contains(offsets.toString()), e.getMessage());
        Files.delete(offsets);
        e = assertThrows(TraceFormatException.class, () -> Trace.read(dir));
        assertTrue(e.getMessage().contains(Trace.REQUEST_OFFSETS), e.getMessage());
        Path ids = dir.resolve(Trace.EXPERT_IDS);
        Files.write(ids, NpyFiles.npy(NpyFiles.dict("|u1", "(2, 3)"), new byte[6]));
        Files.write(offsets, NpyFiles.npy(NpyFiles.dict("<i8", "(2,)"), NpyFiles.int64(0, 2)));
        e = assertThrows(TraceFormatException.class, () -> Trace.read(dir));
        assertTrue(e.getMessage().contains(ids.toString()) && e.getMessage().contains("3 dimensions"), e.getMessage());
        assertThrows(TraceFormatException.class, () -> Trace.read(tmp.resolve("nowhere")));
    }
}
