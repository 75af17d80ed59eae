package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.ExpertTierReport;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.api.TokenLogprob;
import dev.klotski.engine.golden.GoldenCase;
import dev.klotski.engine.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Offloading changes speed, never results: on every golden model, with a device budget at the minimum (so
 * experts really are evicted and read again), each policy and prefetcher gives the resident engine's output ids
 * and logprobs bit for bit in batch-invariant mode, and its greedy ids with logprobs within 1e-4 in fast mode.
 */
class OffloadingEquivalenceTest {
    /** The pairs run on every model, in both modes: the baseline and each paper's combination. */
    static final List<List<String>> PAIRS = List.of(List.of("lru", "none"), List.of("lru", "next-gate"),
            List.of("lru", "correlation"), List.of("activation-aware", "eam"), List.of("shallow", "next-gate"),
            List.of("pin", "markov"), List.of("forecast", "markov"));

    private static final List<GenerationRequest> REQUESTS = List.of(
            GenerationRequest.ofText("The quick brown fox", new SamplingParams(12, 0f, 0, 1f, 0, List.of(), 3)),
            GenerationRequest.ofText("Once upon a time there was", new SamplingParams(10, 0.9f, 20, 0.95f, 7, List.of(), 2)),
            GenerationRequest.ofText("1 2 3", new SamplingParams(8, 0f, 0, 1f, 0, List.of(), 1)));

    static List<Path> models() {
        List<Path> dirs = new ArrayList<>(GoldenCase.bundled().stream().map(GoldenCase::modelDir).toList());
        Path mixtral = GoldenCase.sharedMixtral();
        if (mixtral != null) {
            dirs.add(mixtral);
        }
        return dirs;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Path model : models()) {
            for (List<String> pair : PAIRS) {
                out.add(Arguments.of(model.getFileName().toString(), model, pair.get(0), pair.get(1)));
            }
        }
        return out.stream();
    }

    /** Every policy with every prefetcher it works with, on one model. */
    static Stream<Arguments> everyCombination() {
        List<Arguments> out = new ArrayList<>();
        Path model = dev.klotski.engine.TestModels.qwen3();
        for (String policy : CachePolicies.NAMES) {
            for (String prefetch : Prefetchers.NAMES) {
                if (!policy.equals("forecast") || prefetch.equals("markov")) { // forecast evicts by markov's forecast
                    out.add(Arguments.of(model.getFileName().toString(), model, policy, prefetch));
                }
            }
        }
        return out.stream();
    }

    private static final java.util.Map<Path, Path> PROFILES = new java.util.concurrent.ConcurrentHashMap<>();

    /** A routing profile of the model learned from the test's own requests (pin and the statistical prefetchers). */
    static Path profile(Path model) {
        return PROFILES.computeIfAbsent(model, m -> {
            try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(m).optThreads(1).build())) {
                Path file = java.nio.file.Files.createTempFile("klotski-profile", ".json");
                file.toFile().deleteOnExit();
                engine.learnRoutingProfile(REQUESTS).write(file);
                return file;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The smallest budget the engine accepts: top-k experts of every MoE layer. */
    static String minimumBudget(Path model) {
        ModelConfig c = ModelConfig.load(model);
        try (KlotskiEngine probe = KlotskiEngine.open(EngineOptions.builder(model).optThreads(1)
                .optDeviceBudget("100%").build())) {
            ExpertTierReport r = probe.expertTier().orElseThrow();
            long slotBytes = r.capacityBytes() / r.layers().stream().mapToInt(ExpertTierReport.Layer::slots).sum();
            int moeLayers = r.layers().size();
            return String.valueOf(slotBytes * moeLayers * c.expertsPerToken());
        }
    }

    private static List<GenerationResult> run(Path model, boolean invariant, String budget, String policy,
                                              String prefetch, List<ExpertTierReport> tier) {
        EngineOptions.Builder b = EngineOptions.builder(model).optBatchInvariant(invariant).optThreads(2)
                .optDeviceBudget(budget).optExpertPolicy(policy).optPrefetch(prefetch).optIoThreads(2)
                .optRoutingProfile(budget == null ? null : profile(model));
        try (KlotskiEngine engine = KlotskiEngine.open(b.build())) {
            List<GenerationResult> results = engine.generate(REQUESTS);
            List<GenerationResult> again = engine.generate(REQUESTS); // a warm cache gives the same rows too
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(results.get(i).outputIds(), again.get(i).outputIds(), "second call, request " + i);
            }
            engine.expertTier().ifPresent(tier::add);
            return results;
        }
    }

    @ParameterizedTest(name = "{0} {2}/{3}")
    @MethodSource({"cases", "everyCombination"})
    void batchInvariantOutputIsBitIdentical(String name, Path model, String policy, String prefetch) {
        List<GenerationResult> resident = run(model, true, null, policy, prefetch, new ArrayList<>());
        List<ExpertTierReport> tier = new ArrayList<>();
        String budget = minimumBudget(model);
        List<GenerationResult> offloaded = run(model, true, budget, policy, prefetch, tier);
        for (int i = 0; i < resident.size(); i++) {
            assertArrayEquals(resident.get(i).outputIds(), offloaded.get(i).outputIds(), name + " request " + i);
            assertEquals(resident.get(i).topLogprobs(), offloaded.get(i).topLogprobs(), name + " request " + i);
        }
        ExpertTierReport r = tier.get(0);
        assertTrue(r.layers().stream().mapToLong(ExpertTierReport.Layer::evictions).sum() > 0,
                "the budget is small enough that experts are evicted and read again");
        assertTrue(r.capacityBytes() <= Long.parseLong(budget), "slots within the budget");
        assertTrue(r.peakBytes() <= r.capacityBytes(), "never more in use than the slots");
        assertTrue(r.bytesRead() > 0);
        assertTrue(r.hitRate() < 1.0, "some lookups missed");
    }

    @ParameterizedTest(name = "{0} {2}/{3}")
    @MethodSource("cases")
    void fastModeGivesTheSameGreedyIds(String name, Path model, String policy, String prefetch) {
        List<GenerationResult> resident = run(model, false, null, policy, prefetch, new ArrayList<>());
        List<GenerationResult> offloaded = run(model, false, minimumBudget(model), policy, prefetch, new ArrayList<>());
        for (int i : new int[] {0, 2}) { // the greedy requests
            assertArrayEquals(resident.get(i).outputIds(), offloaded.get(i).outputIds(), name + " request " + i);
            List<List<TokenLogprob>> a = resident.get(i).topLogprobs();
            List<List<TokenLogprob>> b = offloaded.get(i).topLogprobs();
            assertEquals(a.size(), b.size());
            for (int p = 0; p < a.size(); p++) {
                for (int c = 0; c < a.get(p).size(); c++) {
                    assertEquals(a.get(p).get(c).id(), b.get(p).get(c).id(), name + " position " + p);
                    assertEquals(a.get(p).get(c).logprob(), b.get(p).get(c).logprob(), 1e-4, name + " position " + p);
                }
            }
        }
    }

    /** Group shapes, pass sizes, pooled slots and the no-overlap baseline, on every model. */
    static Stream<Arguments> pipelineShapes() {
        List<Arguments> out = new ArrayList<>();
        Object[][] shapes = {{1, 2, 8, true, 0.5}, {3, 1, 5, true, 0.5}, {1, 1, 4096, false, 0.0}, {2, 2, 3, true, 0.75}};
        for (Path model : models()) {
            for (Object[] g : shapes) {
                out.add(Arguments.of(model.getFileName().toString(), model, new dev.klotski.engine.api.GroupOptions(
                        (int) g[0], (int) g[1], (int) g[2], (boolean) g[3], (double) g[4])));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("pipelineShapes")
    void everyPipelineShapeIsBitIdenticalToThePlainResidentEngine(String name, Path model,
                                                                   dev.klotski.engine.api.GroupOptions group) {
        List<GenerationResult> resident = run(model, true, null, "lru", "none", new ArrayList<>());
        EngineOptions options = EngineOptions.builder(model).optBatchInvariant(true).optThreads(2)
                .optDeviceBudget(minimumBudget(model)).optExpertPolicy("lru").optPrefetch("correlation")
                .optGroup(group).build();
        try (KlotskiEngine engine = KlotskiEngine.open(options)) {
            List<GenerationResult> got = engine.generate(REQUESTS);
            for (int i = 0; i < resident.size(); i++) {
                assertArrayEquals(resident.get(i).outputIds(), got.get(i).outputIds(), name + " request " + i);
                assertEquals(resident.get(i).topLogprobs(), got.get(i).topLogprobs(), name + " request " + i);
            }
            ExpertTierReport r = engine.expertTier().orElseThrow();
            assertTrue(r.peakBytes() <= r.capacityBytes(), "never more in use than the slots");
            assertTrue(got.get(0).stats().batchSize() <= group.sequences(), "the group limit holds");
        }
    }

    @org.junit.jupiter.api.Test
    void belowTopKPerLayerAPoolRunsTheModelWithTheSameRows() {
        Path model = dev.klotski.engine.TestModels.qwen3();
        List<GenerationResult> resident = run(model, true, null, "lru", "none", new ArrayList<>());
        String half = String.valueOf(Long.parseLong(minimumBudget(model)) / 2);
        EngineOptions.Builder b = EngineOptions.builder(model).optBatchInvariant(true).optThreads(2)
                .optDeviceBudget(half).optPrefetch("correlation");
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> KlotskiEngine.open(b.build()).close());
        assertTrue(refused.getMessage().contains("--pool-share"), refused.getMessage());
        try (KlotskiEngine engine = KlotskiEngine.open(b.optGroup(new dev.klotski.engine.api.GroupOptions(0, 0, 2048,
                true, 0.5)).build())) {
            List<GenerationResult> got = engine.generate(REQUESTS);
            for (int i = 0; i < resident.size(); i++) {
                assertArrayEquals(resident.get(i).outputIds(), got.get(i).outputIds(), "request " + i);
                assertEquals(resident.get(i).topLogprobs(), got.get(i).topLogprobs(), "request " + i);
            }
            assertTrue(engine.expertTier().orElseThrow().capacityBytes() <= Long.parseLong(half));
        }
    }
}
