package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Correlation, markov and eam predictions on small synthetic routings. */
class PrefetcherPredictionsTest {
    private static final RoutingShape SHAPE = new RoutingShape(3, 8, 2);

    /** A profile of requests whose layer 0 choice decides layers 1 and 2: {0,1} -> {2,3} -> {4,5}, {6,7} -> {4,5} -> {0,1}. */
    private static RoutingProfile deterministic() {
        ProfileLearner learner = new ProfileLearner(SHAPE);
        for (long r = 0; r < 6; r++) {
            int[][] path = r % 2 == 0 ? new int[][] {{0, 1}, {2, 3}, {4, 5}} : new int[][] {{6, 7}, {4, 5}, {0, 1}};
            for (int t = 0; t < 3; t++) {
                Routing.token(r, path, learner, null);
            }
            learner.requestEnded(r);
        }
        return learner.profile("test");
    }

    @Test
    void correlationPrefetchesTheLikeliestSuccessorsOfAllTokens() {
        CorrelationPrefetcher c = new CorrelationPrefetcher(SHAPE, deterministic());
        List<List<String>> named = Routing.token(100, new int[][] {{6, 7}, {4, 5}, {0, 1}}, null, c);
        assertEquals(List.of("1:4", "1:5"), named.get(0), "after {6,7}: its successors at layer 1, top-k of them");
        assertEquals(List.of("2:0", "2:1"), named.get(1).stream().sorted().toList(), "{4,5} at layer 1 led to {0,1}");
        assertEquals(List.of(), named.get(2), "nothing after the last layer");
        // Two tokens in one pass: votes are summed, and two tokens use 8 (1 - (6/8)^2) = 3.5 experts on average,
        // so the four with most votes go, 2 first (a full vote from 0 and 1 and from 0), all of them successors.
        Routing.Sink sink = new Routing.Sink();
        c.predict(Routing.event(0, new long[] {200, 201}, new int[] {0, 1}, new int[] {0, 6}), sink);
        assertEquals("1:2", sink.named.get(0), "2 and 3 get a full vote from 0 and 1 and from 0");
        assertEquals(List.of("1:2", "1:3", "1:4", "1:5"), sink.named.stream().sorted().toList());
    }

    @Test
    void correlationPrefetchesAsManyAsAPassOfThatManyTokensUses() {
        assertEquals(2, CorrelationPrefetcher.expectedDistinct(8, 2, 1), "one token: its top-k");
        assertEquals(4, CorrelationPrefetcher.expectedDistinct(8, 2, 2));
        assertEquals(8, CorrelationPrefetcher.expectedDistinct(8, 2, 64), "a group of 64 uses every expert");
        assertEquals(8, CorrelationPrefetcher.expectedDistinct(128, 8, 1), "Qwen3-MoE, one token");
    }

    @Test
    void correlationLearnsOnlineWithoutAProfile() {
        CorrelationPrefetcher c = new CorrelationPrefetcher(SHAPE, null);
        assertEquals(List.of(), Routing.token(1, new int[][] {{0, 1}, {2, 3}, {4, 5}}, null, c).get(0), "nothing learned yet");
        assertEquals(List.of("1:2", "1:3"), Routing.token(1, new int[][] {{0, 1}, {2, 3}, {4, 5}}, null, c).get(0));
    }

    @Test
    void markovUsesThePreviousTokenWhereTheLayerBeforeSaysNothing() {
        // Layer 0 is always {0,1}; layer 1 alternates {2,3}, {4,5} token by token; layer 2 is always {6,7}.
        RoutingShape shape = SHAPE;
        ProfileLearner learner = new ProfileLearner(shape);
        for (long r = 0; r < 4; r++) {
            for (int t = 0; t < 8; t++) {
                Routing.token(r, new int[][] {{0, 1}, t % 2 == 0 ? new int[] {2, 3} : new int[] {4, 5}, {6, 7}}, learner, null);
            }
            learner.requestEnded(r);
        }
        RoutingProfile profile = learner.profile("test");
        MarkovPrefetcher m = new MarkovPrefetcher(shape, profile);
        CorrelationPrefetcher c = new CorrelationPrefetcher(shape, profile);
        int[][] even = {{0, 1}, {2, 3}, {6, 7}};
        int[][] odd = {{0, 1}, {4, 5}, {6, 7}};
        Routing.token(50, even, null, m);
        Routing.token(50, even, null, c);
        List<String> markov = Routing.token(50, odd, null, m).get(0);
        List<String> correlation = Routing.token(50, odd, null, c).get(0);
        assertEquals(List.of("1:4", "1:5"), markov.stream().sorted().toList(), "after {2,3} comes {4,5}");
        assertEquals(List.of("1:2", "1:3"), correlation.stream().sorted().toList(),
                "correlation sees only layer 0 (uninformative here) and leans to the pair it saw last");
        // The forecast: after layer 0 of the next token, 2 and 3 are likely at layer 1, 4 and 5 unlikely.
        Routing.Sink sink = new Routing.Sink();
        m.predict(Routing.event(0, 50, 0, 1), sink);
        assertTrue(m.worth(1, 2) > 0.9 && m.worth(1, 2) > m.worth(1, 4) + 0.5, m.worth(1, 2) + " vs " + m.worth(1, 4));
        assertEquals(List.of("1:2", "1:3"), sink.named.stream().sorted().toList());
    }

    @Test
    void markovPrefetchesOnlyLikelyExperts() {
        // Routing that teaches nothing: every combination of (layer 0, layer 1) pairs on two consecutive tokens
        // occurs once, so no expert is likelier than its 2 in 8, under the threshold: nothing is prefetched.
        ProfileLearner learner = new ProfileLearner(SHAPE);
        for (long r = 0; r < 256; r++) {
            for (int t = 0; t < 2; t++) {
                int a = (int) (r >> (4 * t)) % 4 * 2;
                int b = (int) (r >> (4 * t + 2)) % 4 * 2;
                Routing.token(r, new int[][] {{a, a + 1}, {b, b + 1}, {0, 1}}, learner, null);
            }
            learner.requestEnded(r);
        }
        MarkovPrefetcher m = new MarkovPrefetcher(SHAPE, learner.profile("test"));
        Routing.Sink sink = new Routing.Sink();
        m.predict(Routing.event(0, 99, 0, 1), sink);
        assertEquals(List.of(), sink.named);
        assertFalse(m.worth(1, 0) >= MarkovPrefetcher.THRESHOLD);
    }

    @Test
    void eamMatchesTheNearestPastRequestAndDecaysWithDistance() {
        RoutingShape shape = new RoutingShape(4, 8, 2);
        ProfileLearner learner = new ProfileLearner(shape);
        int[][] a = {{4, 5}, {0, 1}, {0, 1}, {0, 1}};
        int[][] b = {{6, 7}, {2, 3}, {2, 3}, {2, 3}};
        for (long r = 0; r < 2; r++) {
            for (int t = 0; t < 4; t++) {
                Routing.token(r, r == 0 ? a : b, learner, null);
            }
            learner.requestEnded(r);
        }
        EamPrefetcher eam = new EamPrefetcher(shape, learner.profile("test"));
        Routing.Sink sink = new Routing.Sink();
        eam.predict(Routing.event(0, 9, 6, 7), sink);
        // Request 9 looks like b. Chances are 1 for 2 and 3 at every later layer, decayed by 1 - d/4:
        // 0.75 at the next layer (above the threshold, 0.7), 0.5 two layers on (below).
        assertEquals(List.of("1:2", "1:3"), sink.named);
        sink.named.clear();
        eam.predict(Routing.event(1, 9, 2, 3), sink);
        assertEquals(List.of("2:2", "2:3"), sink.named);
        sink.named.clear();
        EamPrefetcher eager = new EamPrefetcher(shape, learner.profile("test"), 0.5);
        eager.predict(Routing.event(0, 10, 6, 7), sink);
        assertEquals(List.of("1:2", "1:3", "2:2", "2:3"), sink.named, "best first, across layers");
    }
}
