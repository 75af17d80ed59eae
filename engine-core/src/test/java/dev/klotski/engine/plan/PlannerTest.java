package dev.klotski.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.offload.RoutingProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner on a synthetic model and machine (see {@link Synthetic}): 8 layers x 8 experts top-2, 24 MiB each. */
class PlannerTest {
    private static final long PLENTY = 64L << 30;
    private static final Workload BATCHES_OF_4 = new Workload(512, 512, 32, 4);

    @Test
    void moreBudgetNeverPredictsLowerThroughput() {
        for (Workload w : List.of(BATCHES_OF_4, new Workload(96, 128, 16, null))) {
            List<Candidate> before = null;
            double fastestBefore = 0;
            for (int slots = 2; slots <= 8; slots++) {
                PlanInputs in = Synthetic.inputs(slots, w, PLENTY);
                List<Candidate> now = Planner.candidates(in);
                for (int i = 0; before != null && i < now.size(); i++) {
                    assertTrue(now.get(i).tokensPerSecond() >= before.get(i).tokensPerSecond() * (1 - 1e-12),
                            "n = " + now.get(i).n() + ", b = " + now.get(i).b() + " at " + slots + " slots per layer");
                }
                double fastest = now.stream().filter(Candidate::fits).mapToDouble(Candidate::tokensPerSecond).max()
                        .orElseThrow();
                assertTrue(fastest >= fastestBefore, slots + " slots per layer: " + fastest + " < " + fastestBefore);
                Plan plan = Planner.plan(in);
                assertTrue(plan.predictedTokensPerSecond() >= (1 - Planner.CLOSE) * fastest,
                        "the plan gives up at most the 5% that buys a smaller group");
                before = now;
                fastestBefore = fastest;
            }
        }
    }

    @Test
    void whenIoDominatesTheGroupGrowsUntilEq5Holds() {
        PlanInputs in = Synthetic.inputs(2, BATCHES_OF_4, PLENTY);
        Candidate single = Planner.candidates(in).get(0);
        assertEquals(1, single.n());
        assertFalse(single.prediction().decodeStep().eq5(), "one batch of attention cannot hide K = 2 loads of 6 ms");
        Plan plan = Planner.plan(in);
        assertTrue(plan.groupBatches() > 1, plan.toText());
        assertTrue(plan.equationsHolding().contains(5), plan.toText());
        assertTrue(plan.equationsHoldFromN() > 1, plan.toText());
        assertTrue(plan.predictedBubbleFraction() < single.prediction().bubbleFraction(), plan.toText());
        assertTrue(plan.reasons().get(0).startsWith("n = " + plan.groupBatches() + ": "), plan.reasons().get(0));
        assertTrue(plan.reasons().get(0).contains("Eqs. 5-7 hold from n = " + plan.equationsHoldFromN()),
                plan.reasons().get(0));

        Plan fasterDisk = Planner.plan(Synthetic.inputs(Synthetic.profile(16e9), 2, BATCHES_OF_4, PLENTY));
        assertTrue(fasterDisk.equationsHoldFromN() < plan.equationsHoldFromN(), fasterDisk.toText());
        assertTrue(fasterDisk.groupBatches() < plan.groupBatches(), fasterDisk.toText());
    }

    @Test
    void thePoolComesOutOfTheSameSlotsAndThePlanWeighsEveryShare() {
        PlanInputs in = Synthetic.inputs(2, BATCHES_OF_4, PLENTY);
        ExpertDemand demand = ExpertDemand.of(in.model(), null);
        Residency pooled = Residency.of(in.model(), in.deviceBudgetBytes(), 0, demand, 0.5);
        assertEquals(8, pooled.pool(), "half of the 16 slots");
        assertEquals(List.of(1, 1, 1, 1, 1, 1, 1, 1), Arrays.stream(pooled.slots()).boxed().toList(),
                "the other half, one per layer");
        Residency mostly = Residency.of(in.model(), in.deviceBudgetBytes(), 0, demand, 0.75);
        assertEquals(12, mostly.pool());
        assertEquals(List.of(1, 1, 1, 1, 0, 0, 0, 0), Arrays.stream(mostly.slots()).boxed().toList(),
                "layers left without a slot of their own borrow every load");
        double best = 0;
        for (double share : Planner.POOL_SHARES) {
            Residency r = Residency.of(in.model(), in.deviceBudgetBytes(), 0, demand, share);
            for (Candidate c : Planner.candidates(in, demand, r)) {
                if (c.fits()) {
                    best = Math.max(best, c.tokensPerSecond());
                }
            }
        }
        Plan plan = Planner.plan(in);
        assertTrue(plan.predictedTokensPerSecond() >= 0.95 * best, "within the 5% rule of the best share: "
                + plan.toText());
        String reason = plan.reasons().stream().filter(r -> r.startsWith("pool: ")).findFirst().orElseThrow();
        assertTrue(reason.contains(String.format(java.util.Locale.ROOT, "share %.2f", plan.poolShare())), reason);
        int own = plan.deviceSlots().stream().mapToInt(Integer::intValue).sum();
        assertEquals(16, own + plan.poolSlots(), "the pool comes out of the same 16 slots: " + plan.toText());
    }

    @Test
    void aSmallKvMemoryForcesASmallerGroupAndTheReasonSaysSo() {
        Plan free = Planner.plan(Synthetic.inputs(2, BATCHES_OF_4, PLENTY));
        long memory = 80L << 20; // KV of 544 positions is 8.5 MiB a sequence: room for about two batches of 4
        Plan tight = Planner.plan(Synthetic.inputs(2, BATCHES_OF_4, memory));
        assertTrue(tight.groupBatches() < free.groupBatches(), tight.toText());
        assertTrue(tight.groupBatches() <= 2, tight.toText());
        assertTrue(tight.kvBytes() + tight.activationBytes() <= memory, tight.toText());
        assertTrue(tight.reasons().get(0).contains("KV memory holds at most n = 2"), tight.reasons().get(0));
        assertFalse(tight.equationsHolding().contains(5), "too few batches to hide the hot loads: " + tight.toText());
        assertTrue(tight.predictedTokensPerSecond() < free.predictedTokensPerSecond());
    }

    @Test
    void aResidentBudgetPredictsNoLoadsAndNoBubble() {
        for (Workload w : List.of(BATCHES_OF_4, new Workload(64, 64, 8, null))) {
            Plan plan = Planner.plan(Synthetic.inputs(8, w, PLENTY));
            assertEquals(0.0, plan.loadsPerLayer(), plan.toText());
            assertEquals(0.0, plan.ioSecondsPerLayer());
            assertEquals(0.0, plan.predictedBubbleFraction(), plan.toText());
            assertEquals(0, plan.prefetchDepth());
            assertEquals(List.of(4, 5, 6, 7), plan.equationsHolding());
            assertTrue(plan.reasons().get(0).contains("nothing to load"), plan.reasons().get(0));
        }
    }

    @Test
    void belowTopKPerLayerOnlyAPoolCanRunAndBelowTopKInAllNothingCan() {
        Plan small = Planner.plan(Synthetic.inputs(1, BATCHES_OF_4, PLENTY)); // 8 slots for 8 layers of top-2
        assertTrue(small.poolSlots() > 0, "per-layer slots alone cannot hold top-2 a layer: " + small.toText());
        PlanInputs one = Synthetic.inputs(1, BATCHES_OF_4, PLENTY);
        PlanInputs tiny = new PlanInputs(one.model(), one.profile(), Synthetic.MODEL.expertBytes(), 0, true,
                BATCHES_OF_4, PLENTY, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Planner.plan(tiny));
        assertTrue(e.getMessage().contains("at least 16 at once (top-2 in each of its 8 MoE layers)"), e.getMessage());
    }

    @Test
    void aHostTierServesSomeLoadsFasterThanStorage() {
        PlanInputs noHost = Synthetic.inputs(2, BATCHES_OF_4, PLENTY);
        PlanInputs host = new PlanInputs(noHost.model(), noHost.profile(), noHost.deviceBudgetBytes(),
                Synthetic.MODEL.totalExpertBytes(), true, BATCHES_OF_4, PLENTY, null);
        Plan withHost = Planner.plan(host);
        assertTrue(withHost.ioSecondsPerLayer() < Planner.plan(noHost).ioSecondsPerLayer(), withHost.toText());
        assertTrue(withHost.reasons().stream().anyMatch(r -> r.contains("the host tier serves 100% of loads")),
                withHost.toText());
    }

    @Test
    void aRoutingProfilePinsEachLayersHottestExperts(@TempDir Path dir) throws IOException {
        RoutingProfile skewed = RoutingProfile.read(routingProfile(dir.resolve("routing.json"), 5, 6));
        PlanInputs uniform = Synthetic.inputs(4, BATCHES_OF_4, PLENTY);
        PlanInputs profiled = new PlanInputs(uniform.model(), uniform.profile(), uniform.deviceBudgetBytes(), 0, true,
                BATCHES_OF_4, PLENTY, skewed);
        Plan plan = Planner.plan(profiled);
        assertEquals(8, plan.pinnedExperts().size());
        plan.pinnedExperts().values().forEach(pins -> assertEquals(List.of(5, 6), pins)); // 4 slots - max(k, K) = 2
        assertTrue(plan.predictedTokensPerSecond() > Planner.plan(uniform).predictedTokensPerSecond(), plan.toText());
    }

    @Test
    void thePlanPrintsAsTextAndJson() throws IOException {
        Plan plan = Planner.plan(Synthetic.inputs(2, new Workload(64, 128, 16, null), PLENTY));
        String text = plan.toText();
        assertTrue(text.contains("why\n"), text);
        plan.reasons().forEach(r -> assertTrue(text.contains(r)));
        JsonNode json = new ObjectMapper().readTree(plan.toJson());
        assertEquals(plan.groupBatches(), json.get("group_batches").asInt());
        assertEquals(plan.batchSize(), json.get("batch_size").asInt());
        assertEquals(plan.passTokens(), json.get("pass_tokens").asInt());
        assertEquals(plan.prefetchDepth(), json.get("prefetch_depth").asInt());
        assertEquals(plan.predictedTokensPerSecond(), json.get("predicted_tokens_per_second").asDouble());
        assertEquals(plan.reasons().size(), json.get("reasons").size());
        assertEquals("host", json.get("kv_placement").asText());
    }

    @Test
    void thePlannerRefusesAProfileOfAnotherShape() {
        ModelShape m = Synthetic.MODEL;
        ModelShape other = new ModelShape(m.architecture(), 4, IntStream.range(0, 4).boxed().toList(), m.experts(),
                m.topK(), m.hidden(), m.qDim(), m.kvDim(), m.maxIntermediate(), m.vocab(), m.contextLength(),
                m.expertBytes(), m.expertFormat(), m.denseBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlanInputs(other, Synthetic.profile(4e9),
                1L << 30, 0, true, new Workload(8, 8, 8, null), 1L << 30, null));
        assertTrue(e.getMessage().contains("another model"), e.getMessage());
    }

    /** A profile in which every layer's tokens choose {@code hot} experts far more often than the others. */
    private static Path routingProfile(Path file, int... hot) throws IOException {
        ModelShape m = Synthetic.MODEL;
        int[][] popularity = new int[m.layers()][m.experts()];
        for (int[] row : popularity) {
            java.util.Arrays.fill(row, 10);
            for (int e : hot) {
                row[e] = 400;
            }
        }
        int[][][] zeros = new int[m.layers()][m.experts()][m.experts()];
        long tokens = (8 * 10 + 2 * 400 - 2 * 10) / m.topK();
        Files.writeString(file, new ObjectMapper().writeValueAsString(Map.of("klotski_routing_profile", 1,
                "layers", m.layers(), "experts", m.experts(), "top_k", m.topK(), "tokens", tokens, "requests", 1,
                "source", "test", "popularity", popularity, "coactivation", zeros, "transitions", zeros)));
        return file;
    }
}
