package dev.klotski.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.weights.CheckpointException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config fields and checkpoint tensors the engine does not implement are either implemented or refused with a
 * message naming them: never ignored, which would run a different model than the folder describes.
 */
class UnimplementedFeaturesTest {
    @TempDir
    static Path tmp;
    private static Path mixtral;
    private static Path qwen2;
    private static int copies;

    @BeforeAll
    static void writeModels() {
        mixtral = TestModels.make(tmp.resolve("mixtral"), TestModels.spec("mixtral", 32, 3));
        qwen2 = TestModels.make(tmp.resolve("qwen2"), TestModels.spec("qwen2_moe", 32, 4));
    }

    private static Path copy(Path model) {
        return TestModels.copy(model, tmp.resolve("copy-" + copies++));
    }

    private static Path withConfig(Path model, Map<String, Object> fields) {
        Path dir = copy(model);
        TestModels.editJson(dir, "config.json", fields);
        return dir;
    }

    private static void loads(Path dir) {
        ModelLoader.load(dir).close();
    }

    private static void assertMentions(RuntimeException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void ropeScalingIsRefusedUnlessItIsPlainRope() {
        Path yarn = withConfig(mixtral, Map.of("rope_scaling", Map.of("rope_type", "yarn", "factor", 4.0)));
        assertMentions(assertThrows(ModelConfigException.class, () -> ModelConfig.load(yarn)), "config.json",
                "rope_scaling", "yarn", "not supported");
        Path linear = withConfig(mixtral, Map.of("rope_scaling", Map.of("type", "linear", "factor", 2.0)));
        assertMentions(assertThrows(ModelConfigException.class, () -> ModelConfig.load(linear)), "linear");
        Map<String, Object> none = new HashMap<>();
        none.put("rope_scaling", null);
        loads(withConfig(mixtral, none));
        loads(withConfig(mixtral, Map.of("rope_scaling", Map.of("rope_type", "default"))));
    }

    @Test
    void aSlidingWindowShorterThanTheContextBoundsTheContext() {
        assertEquals(256, ModelConfig.load(mixtral).contextLength(), "the spec's max_position_embeddings");
        assertEquals(64, ModelConfig.load(withConfig(mixtral, Map.of("sliding_window", 64))).contextLength(),
                "Mistral style: a sliding_window is in force");
        assertEquals(256, ModelConfig.load(withConfig(mixtral, Map.of("sliding_window", 64,
                "use_sliding_window", false))).contextLength(), "Qwen style: switched off");
        assertEquals(256, ModelConfig.load(withConfig(mixtral, Map.of("sliding_window", 4096))).contextLength(),
                "a window longer than the context never slides");
        Map<String, Object> none = new HashMap<>();
        none.put("sliding_window", null);
        assertEquals(256, ModelConfig.load(withConfig(mixtral, none)).contextLength());
    }

    @Test
    void sharedExpertWeightsWithoutTheirWidthAreRefused() {
        loads(qwen2);
        Path dir = copy(qwen2);
        TestModels.removeJsonField(dir, "config.json", "shared_expert_intermediate_size");
        assertMentions(assertThrows(ModelConfigException.class, () -> ModelLoader.load(dir)),
                "model.layers.0.mlp.shared_expert.gate_proj.weight", "shared_expert_intermediate_size", "dropped",
                "set shared_expert_intermediate_size to 32");
    }

    @Test
    void tensorsTheModelWouldNotUseAreRefusedByName() {
        Path dir = copy(mixtral);
        TestModels.appendTensor(dir, "model.layers.0.self_attn.q_proj.bias", "BF16", new long[] {32}, new byte[64]);
        TestModels.appendTensor(dir, "model.layers.1.extra.weight", "F32", new long[] {2}, new byte[8]);
        assertMentions(assertThrows(CheckpointException.class, () -> ModelLoader.load(dir)), dir.toString(),
                "2 tensors the model would not use", "'model.layers.0.self_attn.q_proj.bias'",
                "'model.layers.1.extra.weight'", "wrong outputs");
    }

    @Test
    void anUnreadTensorOfAnUnsupportedDtypeIsNotFatalWhenHuggingFaceIgnoresItToo() {
        Path dir = copy(mixtral);
        TestModels.appendTensor(dir, "model.layers.0.self_attn.rotary_emb.inv_freq", "F64", new long[] {4},
                new byte[32]);
        loads(dir);
    }
}
