package dev.klotski.engine.modelgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.model.weights.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** make-model: reproducible bytes from spec and seed, and every architecture it writes loads and generates. */
class RandomModelWriterTest {
    private static final String[] FILES = {"model.safetensors", "config.json", "generation_config.json",
        "tokenizer.json", "tokenizer_config.json"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static SamplingParams greedy(int n) {
        return new SamplingParams(n, 0f, 0, 1f, 0, List.of(), 5);
    }

    @Test
    void sameSpecAndSeedWriteTheSameBytes() throws IOException {
        ModelSpec spec = TestModels.spec("qwen3_moe", 32, 123);
        Path a = TestModels.make(tmp.resolve("a"), spec);
        Path b = TestModels.make(tmp.resolve("b"), spec);
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    @Test
    void differentSeedWritesDifferentWeightsButTheSameTokenizer() throws IOException {
        Path a = TestModels.make(tmp.resolve("a"), TestModels.spec("mixtral", 32, 1));
        Path b = TestModels.make(tmp.resolve("b"), TestModels.spec("mixtral", 32, 2));
        assertArrayEquals(Files.readAllBytes(a.resolve("tokenizer.json")), Files.readAllBytes(b.resolve("tokenizer.json")));
        try (Checkpoint ca = Checkpoint.open(a); Checkpoint cb = Checkpoint.open(b)) {
            assertEquals(ca.tensorNames(), cb.tensorNames());
            for (String name : ca.tensorNames()) {
                assertFalse(java.util.Arrays.equals(ca.floats(name), cb.floats(name)), name + " is the same for seeds 1 and 2");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mixtral", "qwen3_moe", "qwen2_moe", "olmoe"})
    void everyArchitectureLoadsAndGenerates(String arch) {
        Path dir = TestModels.make(tmp.resolve(arch), TestModels.spec(arch, 32, 4));
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            assertEquals(TestModels.spec(arch, 32, 4).hfName(), engine.modelConfig().architecture());
            GenerationResult r = engine.generate(List.of(GenerationRequest.ofText("Hello world", greedy(6)))).get(0);
            assertEquals(6, r.outputIds().length);
            double p = Math.exp(r.topLogprobs().get(0).get(0).logprob());
            assertTrue(p > 0 && p <= 1, "probability " + p);
        }
    }

    @Test
    void qwen2MoeHasAWorkingSharedExpert() throws IOException {
        Path dir = TestModels.make(tmp.resolve("qwen2"), TestModels.spec("qwen2_moe", 32, 5));
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals(32, config.get("shared_expert_intermediate_size").asInt());
        GenerationRequest request = GenerationRequest.ofText("Hello world", greedy(4));
        List<List<dev.klotski.engine.api.TokenLogprob>> withShared;
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            assertEquals(32, engine.modelConfig().sharedIntermediate());
            GenerationResult r = engine.generate(List.of(request)).get(0);
            assertEquals(4, r.outputIds().length);
            withShared = r.topLogprobs();
        }
        // With every shared expert's output projection zeroed the model computes something else: so the shared
        // expert is loaded and used.
        for (int layer = 0; layer < 2; layer++) {
            TestModels.zeroTensor(dir, "model.layers." + layer + ".mlp.shared_expert.down_proj.weight");
        }
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            GenerationResult r = engine.generate(List.of(request)).get(0);
            assertFalse(withShared.get(0).equals(r.topLogprobs().get(0)), "the shared expert changed nothing");
        }
    }

    @Test
    void badSpecsAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelSpec("llama", 1, 32, 2, 1, 4, 2, 32, 384, 64, 1));
        assertTrue(e.getMessage().contains("mixtral, qwen3_moe, qwen2_moe, olmoe"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelSpec("mixtral", 1, 30, 4, 1, 4, 2, 32, 384, 64, 1));
        assertTrue(e.getMessage().contains("even width"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelSpec("mixtral", 1, 32, 2, 1, 4, 5, 32, 384, 64, 1));
        assertTrue(e.getMessage().contains("top-k 5"), e.getMessage());
    }
}
