package dev.klotski.engine.offload.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.offload.ProfileLearner;
import dev.klotski.engine.offload.RoutingProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real gpt-oss-20b trace in ../shared/traces (skipped when absent), on its first 3,000 tokens with a profile of
 * requests 101 to 139, so that it stays quick.
 */
class SharedTraceTest {
    private static final int TOKENS = 3000;
    private static Trace trace;
    private static RoutingProfile profile;

    static Path sharedTrace() {
        String root = System.getProperty("klotski.repo.root", ".");
        Path dir = Path.of(root).toAbsolutePath().resolve("../shared/traces/gpt-oss-20b-decode").normalize();
        return Files.isDirectory(dir) ? dir : null;
    }

    @BeforeAll
    static void load() {
        Path dir = sharedTrace();
        Assumptions.assumeTrue(dir != null, "../shared/traces/gpt-oss-20b-decode is not present: skipped");
        trace = Trace.read(dir);
        ProfileLearner learner = new ProfileLearner(trace.shape());
        TraceEvents.replay(trace, Schedule.of(trace, new RequestRange(101, 140), 0, 1), new TraceEvents.Listener() {
            @Override
            public void routed(RoutingEvent event, int step) {
                learner.observe(event);
            }

            @Override
            public void requestEnded(long requestId) {
                learner.requestEnded(requestId);
            }
        });
        profile = learner.profile("requests 101:140");
    }

    private static ReplayResult run(String policy, String prefetch) {
        return Replay.run(trace, new Replay.Options(0.25, policy, prefetch, 1, TOKENS, RequestRange.ALL, profile));
    }

    @Test
    void theShapeComesFromTheFiles() {
        assertEquals("24 layers x 32 experts, top-4", trace.shape().toString());
        assertEquals(215_438, trace.tokens());
        assertEquals(703, trace.requests());
    }

    @Test
    void noDemandPolicyBeatsBelady() {
        for (String policy : new String[] {"lru", "lfu", "shallow", "activation-aware", "pin"}) {
            ReplayResult r = run(policy, "none");
            assertEquals(TOKENS * 24L * 4, r.lookups(), "one request at a time: four distinct experts per token");
            assertTrue(r.hitRate() <= r.beladySameQuotasHitRate(), policy + ": " + r.hitRate() + " > "
                    + r.beladySameQuotasHitRate());
            assertEquals(r.demandLoadsPerToken(), 4 * (1 - r.hitRate()), 1e-9, policy);
        }
    }

    @Test
    void markovWithItsForecastHitsFarMoreThanLruForAboutTheSameLoads() {
        ReplayResult lru = run("lru", "none");
        ReplayResult markov = run("forecast", "markov");
        assertTrue(markov.hitRate() > lru.hitRate() + 0.05, markov.hitRate() + " vs " + lru.hitRate());
        assertTrue(markov.loadsPerToken() < lru.loadsPerToken() * 1.1, markov.loadsPerToken() + " vs " + lru.loadsPerToken());
        assertTrue(markov.prefetchPrecision() > 0.5 && markov.prefetchRecall() > 0.3,
                markov.prefetchPrecision() + " / " + markov.prefetchRecall());
    }
}
