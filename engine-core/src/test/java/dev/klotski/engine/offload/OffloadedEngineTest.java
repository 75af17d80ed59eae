package dev.klotski.engine.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.ExpertTierReport;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.model.weights.CheckpointException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offloading's failure modes and options: each a clear error, never a hang. */
class OffloadedEngineTest {
    private static final List<GenerationRequest> REQUESTS = List.of(
            GenerationRequest.ofText("The quick brown fox", new SamplingParams(6, 0f, 0, 1f, 0, List.of(), 0)),
            GenerationRequest.ofText("Hello there", new SamplingParams(6, 0f, 0, 1f, 0, List.of(), 0)));

    private static EngineOptions.Builder options(Path model, String budget) {
        return EngineOptions.builder(model).optThreads(1).optBatchInvariant(true).optDeviceBudget(budget);
    }

    @Test
    void aBudgetBelowOneTokensNeedsStatesTheMinimum() {
        Path model = TestModels.qwen3();
        String minimum = OffloadingEquivalenceTest.minimumBudget(model);
        long below = Long.parseLong(minimum) - 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KlotskiEngine.open(options(model, String.valueOf(below)).build()));
        assertTrue(e.getMessage().contains("needs at least 6 at once (top-2 in each of its 3 MoE layers)")
                && e.getMessage().contains("raise --device-budget to at least " + minimum + " "), e.getMessage());
        try (KlotskiEngine ok = KlotskiEngine.open(options(model, minimum).build())) {
            assertTrue(ok.expertTier().isPresent(), "the minimum itself is accepted");
        }
    }

    @Test
    void unknownPolicyAndPrefetcherNameTheChoices() {
        Path model = TestModels.qwen3();
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> KlotskiEngine.open(options(model, "50%").optExpertPolicy("fifo").build()));
        assertTrue(p.getMessage().contains("'fifo'") && p.getMessage().contains("lru"), p.getMessage());
        IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
                () -> KlotskiEngine.open(options(model, "50%").optPrefetch("psychic").build()));
        assertTrue(q.getMessage().contains("'psychic'") && q.getMessage().contains("next-gate"), q.getMessage());
        assertThrows(IllegalArgumentException.class, () -> options(model, "lots").build(), "a bad budget fails at once");
    }

    @Test
    void aCheckpointTruncatedUnderARunningEngineFailsTheCallNamingTheFile(@TempDir Path dir) throws IOException {
        Path model = TestModels.copy(TestModels.qwen3(), dir.resolve("model"));
        try (KlotskiEngine engine = KlotskiEngine.open(options(model,
                OffloadingEquivalenceTest.minimumBudget(model)).build())) {
            engine.generate(REQUESTS);
            try (RandomAccessFile f = new RandomAccessFile(model.resolve("model.safetensors").toFile(), "rw")) {
                f.setLength(f.length() / 3);
            }
            CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> assertThrows(CheckpointException.class, () -> engine.generate(REQUESTS)));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("truncated"),
                    e.getMessage());
        }
    }

    @Test
    void directIoReadsTheSameWeights(@TempDir Path dir) {
        Path model = TestModels.copy(TestModels.qwen3(), dir.resolve("model"));
        List<GenerationResult> resident;
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(model).optThreads(1)
                .optBatchInvariant(true).build())) {
            resident = engine.generate(REQUESTS);
        }
        EngineOptions direct = options(model, OffloadingEquivalenceTest.minimumBudget(model)).optDirectIo(true).build();
        KlotskiEngine engine;
        try {
            engine = KlotskiEngine.open(direct);
        } catch (CheckpointException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(!e.getMessage().contains("O_DIRECT"),
                    "this file system has no direct I/O: " + e.getMessage());
            throw e;
        }
        try (engine) {
            List<GenerationResult> offloaded = engine.generate(REQUESTS);
            for (int i = 0; i < REQUESTS.size(); i++) {
                assertArrayEquals(resident.get(i).outputIds(), offloaded.get(i).outputIds(), "request " + i);
            }
            assertTrue(engine.expertTier().orElseThrow().bytesRead() > 0);
        }
    }

    @Test
    void aHostTierHoldingEveryExpertReadsEachFromStorageOnce() {
        Path model = TestModels.qwen3();
        List<GenerationResult> resident;
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(model).optThreads(1)
                .optBatchInvariant(true).build())) {
            resident = engine.generate(REQUESTS);
        }
        EngineOptions options = options(model, OffloadingEquivalenceTest.minimumBudget(model)).optHostBudget("100%")
                .build();
        try (KlotskiEngine engine = KlotskiEngine.open(options)) {
            for (int round = 0; round < 3; round++) {
                List<GenerationResult> offloaded = engine.generate(REQUESTS);
                for (int i = 0; i < REQUESTS.size(); i++) {
                    assertArrayEquals(resident.get(i).outputIds(), offloaded.get(i).outputIds(), "request " + i);
                }
            }
            ExpertTierReport r = engine.expertTier().orElseThrow();
            long loads = r.layers().stream().mapToLong(l -> l.demandLoads() + l.prefetchLoads()).sum();
            long distinct = r.layers().size() * 8L; // tiny-qwen3-moe: 8 experts per layer
            assertTrue(loads > distinct, "the compute tier reloads experts: " + loads);
            assertTrue(r.hostHits() >= loads - distinct, "every reload after the first read is a host hit: "
                    + r.hostHits() + " of " + loads);
            assertTrue(r.bytesRead() <= distinct * r.capacityBytes() / r.layers().stream()
                    .mapToInt(ExpertTierReport.Layer::slots).sum(), "storage read each expert at most once");
            assertTrue(r.hostBytesCopied() > 0);
        }
    }

    @Test
    void aRoutingProfileOfAnotherModelIsRefusedNamingTheFile() {
        Path profile = OffloadingEquivalenceTest.profile(TestModels.qwen3()); // 3 layers x 8 experts
        Path other = TestModels.bundled("tiny-olmoe");
        RuntimeException e = assertThrows(RuntimeException.class, () -> KlotskiEngine.open(options(other, "50%")
                .optPrefetch("correlation").optRoutingProfile(profile).build()));
        assertTrue(e.getMessage().contains(profile.toString()), e.getMessage());
    }

    @Test
    void aTraceShowsPassesLayersExpertsAndLoadsOnTheirOwnTracks(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trace.json");
        Path model = TestModels.qwen3();
        try (KlotskiEngine engine = KlotskiEngine.open(options(model, OffloadingEquivalenceTest.minimumBudget(model))
                .optGroup(new GroupOptions(2, 1, GroupOptions.DEFAULT_PASS_TOKENS, true)) // 2 batches of 1
                .optTraceFile(file).build())) {
            engine.generate(REQUESTS);
        }
        com.fasterxml.jackson.databind.JsonNode events = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(file.toFile()).get("traceEvents");
        Map<Integer, String> tracks = new HashMap<>();
        Map<String, Integer> spansPerTrack = new HashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode e : events) {
            if (e.get("ph").asText().equals("M")) {
                tracks.put(e.get("tid").asInt(), e.get("args").get("name").asText());
            }
        }
        boolean expertSpan = false;
        boolean loadSpan = false;
        Set<String> batchSpans = new TreeSet<>();
        Pattern batchAttention = Pattern.compile("L0 attention, batch (\\d+) .*");
        for (com.fasterxml.jackson.databind.JsonNode e : events) {
            if (e.get("ph").asText().equals("X")) {
                String track = tracks.get(e.get("tid").asInt());
                spansPerTrack.merge(track, 1, Integer::sum);
                assertTrue(e.get("dur").asDouble() >= 0 && e.get("ts").asDouble() >= 0, e.toString());
                expertSpan |= track.equals("compute") && e.get("name").asText().matches("L\\d+ expert \\d+ .*");
                loadSpan |= track.startsWith("io-") && e.get("name").asText().startsWith("load L");
                Matcher batch = batchAttention.matcher(e.get("name").asText());
                if (track.equals("compute") && batch.matches()) {
                    batchSpans.add(batch.group(1));
                }
            }
        }
        assertTrue(spansPerTrack.keySet().containsAll(List.of("compute", "passes")), spansPerTrack.toString());
        assertTrue(spansPerTrack.keySet().stream().anyMatch(t -> t.startsWith("io-")), "a reader's own track");
        assertTrue(expertSpan && loadSpan, "expert computations and loads are spans: " + spansPerTrack);
        assertEquals(Set.of("0", "1"), batchSpans, "one attention span per batch of the group");
    }
}
