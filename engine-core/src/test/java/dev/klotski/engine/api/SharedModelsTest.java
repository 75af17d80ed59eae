package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.weights.CheckpointException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Engines with different option sets on one model folder: the model is loaded once while any of them is open,
 * each engine computes exactly what an engine of its own options computes alone, also when they run at once.
 */
class SharedModelsTest {
    private static final List<GenerationRequest> REQUESTS = List.of(
            GenerationRequest.ofText("The quick brown fox", new SamplingParams(8, 0f, 0, 1f, 0, List.of(), 3)),
            GenerationRequest.ofText("Once upon a time", new SamplingParams(7, 1.1f, 40, 0.9f, 5, List.of(), 2)));

    private static EngineOptions options(boolean batchInvariant) {
        return EngineOptions.builder(TestModels.qwen3()).optBatchInvariant(batchInvariant).optThreads(2).build();
    }

    private static EngineOptions offloaded(boolean batchInvariant) {
        return options(batchInvariant).withOffload("50%", null, "lru", "none");
    }

    private static List<GenerationResult> alone(EngineOptions options) {
        try (KlotskiEngine engine = KlotskiEngine.open(options)) {
            return engine.generate(REQUESTS);
        }
    }

    private static void assertSame(List<GenerationResult> expected, List<GenerationResult> actual, String where) {
        assertEquals(expected.size(), actual.size(), where);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).outputIds(), actual.get(i).outputIds(), where + " request " + i);
            assertEquals(expected.get(i).topLogprobs(), actual.get(i).topLogprobs(), where + " request " + i);
        }
    }

    @Test
    void kernelsModesShareOneLoadAndEachComputesWhatItWouldAlone() {
        SharedModels models = new SharedModels();
        try (KlotskiEngine fast = models.open(options(false));
             KlotskiEngine invariant = models.open(options(true))) {
            assertEquals(1, models.loadedModels(), "one model for both option sets");
            assertSame(alone(options(true)), invariant.generate(REQUESTS), "batch-invariant on a shared model");
            assertSame(alone(options(false)), fast.generate(REQUESTS), "fast on a shared model");
            assertEquals(fast.weightBytes(), invariant.weightBytes());
        }
        assertEquals(0, models.loadedModels(), "the model is freed with its last engine");
    }

    @Test
    void closingOneEngineLeavesTheOthersModelAndAFreedModelLoadsAgain() {
        SharedModels models = new SharedModels();
        KlotskiEngine first = models.open(options(true));
        KlotskiEngine second = models.open(options(true).withGroup(new GroupOptions(1, 1, 64, true, 0)));
        first.close();
        assertEquals(1, models.loadedModels());
        assertSame(alone(options(true)), second.generate(REQUESTS), "after the other engine closed");
        second.close();
        assertEquals(0, models.loadedModels());
        try (KlotskiEngine again = models.open(options(true))) {
            assertEquals(1, models.loadedModels());
            assertSame(alone(options(true)), again.generate(REQUESTS), "a model loaded again");
        }
    }

    @Test
    void otherOffloadSettingsLoadAnotherModel() {
        SharedModels models = new SharedModels();
        try (KlotskiEngine resident = models.open(options(true));
             KlotskiEngine offloaded = models.open(offloaded(true))) {
            assertEquals(2, models.loadedModels());
            assertTrue(offloaded.expertTier().isPresent() && resident.expertTier().isEmpty());
        }
    }

    /** Engines on shared offloaded experts take turns pass by pass; on resident ones they run at once. */
    @Test
    void enginesOnOneModelRunAtOnceAndGetTheirOwnResults() throws Exception {
        for (boolean offload : new boolean[] {false, true}) {
            EngineOptions fastOptions = offload ? offloaded(false) : options(false);
            EngineOptions invariantOptions = offload ? offloaded(true) : options(true);
            List<GenerationResult> fastAlone = alone(fastOptions);
            List<GenerationResult> invariantAlone = alone(invariantOptions);
            SharedModels models = new SharedModels();
            try (KlotskiEngine fast = models.open(fastOptions);
                 KlotskiEngine invariant = models.open(invariantOptions)) {
                assertEquals(1, models.loadedModels());
                for (int round = 0; round < 2; round++) {
                    CompletableFuture<List<GenerationResult>> a = CompletableFuture.supplyAsync(() -> fast.generate(REQUESTS));
                    CompletableFuture<List<GenerationResult>> b =
                            CompletableFuture.supplyAsync(() -> invariant.generate(REQUESTS));
                    String where = (offload ? "offloaded" : "resident") + " round " + round;
                    assertSame(fastAlone, a.get(60, TimeUnit.SECONDS), "fast, " + where);
                    assertSame(invariantAlone, b.get(60, TimeUnit.SECONDS), "batch-invariant, " + where);
                }
            }
        }
    }

    @Test
    void aFailedLoadIsNotKept(@org.junit.jupiter.api.io.TempDir Path tmp) {
        SharedModels models = new SharedModels();
        EngineOptions missing = EngineOptions.builder(tmp.resolve("absent")).build();
        for (int attempt = 0; attempt < 2; attempt++) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> models.open(missing));
            assertTrue(e.getMessage().contains("model folder not found"), e.getMessage());
        }
        assertEquals(0, models.loadedModels());
    }
}
