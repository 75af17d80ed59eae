package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.ModelConfigException;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.model.weights.SafetensorsFile;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.model.weights.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken model folders opened through the facade fail with an exception whose message says what is wrong
 * and where: never a NullPointerException, an index error or a half-loaded engine.
 */
class BadCheckpointTest {
    @TempDir
    static Path tmp;
    private static Path good;
    private static int counter;

    @BeforeAll
    static void writeModel() {
        good = TestModels.make(tmp.resolve("good"), TestModels.spec("qwen2_moe", 32, 9));
    }

    private static Path copyOfGood() {
        return TestModels.copy(good, tmp.resolve("bad-" + (counter++)));
    }

    /** Opening fails with the given type, and the message contains every part. */
    private static <T extends RuntimeException> T failsToOpen(Class<T> type, Path dir, String... parts) {
        T e = assertThrows(type, () -> KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build()).close());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
        return e;
    }

    @Test
    void theUnbrokenModelOpens() {
        KlotskiEngine.open(EngineOptions.builder(good).optThreads(1).build()).close();
    }

    @Test
    void missingFolder() {
        Path absent = tmp.resolve("no-such-model");
        RuntimeException e = failsToOpen(CheckpointException.class, absent, absent.toString(), "model folder not found");
        assertFalse(e.getMessage().contains("Copy tokenizer.json"),
                "a wrong path is not a missing tokenizer: " + e.getMessage());
        failsToOpen(CheckpointException.class, good.resolve("config.json"), "is a file, not a folder");
    }

    @Test
    void folderWithoutConfig() throws IOException {
        Path dir = copyOfGood();
        Files.delete(dir.resolve("config.json"));
        failsToOpen(ModelConfigException.class, dir, "config.json", "not found");
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() {
        Path dir = copyOfGood();
        TestModels.editJson(dir, "config.json", Map.of("architectures", List.of("LlamaForCausalLM")));
        failsToOpen(ModelConfigException.class, dir, "LlamaForCausalLM", "in config.json", "MixtralForCausalLM",
                "Qwen3MoeForCausalLM", "Qwen2MoeForCausalLM", "OlmoeForCausalLM");
    }

    @Test
    void architectureThatIsNotAString() {
        Path dir = copyOfGood();
        TestModels.editJson(dir, "config.json", Map.of("architectures", List.of(5)));
        failsToOpen(ModelConfigException.class, dir, "config.json", "'architectures' must name the model class");
    }

    @Test
    void hugeExpertCountFailsOnTheRouterShapeBeforeSizingAnything() {
        Path dir = copyOfGood();
        TestModels.editJson(dir, "config.json", Map.of("num_experts", Integer.MAX_VALUE));
        // Was an OutOfMemoryError: the expert array was sized by num_experts before any weight was checked.
        failsToOpen(CheckpointException.class, dir, "mlp.gate.weight", "has shape", "config.json");
    }

    @Test
    void hugeLayerCount() {
        Path dir = copyOfGood();
        TestModels.editJson(dir, "config.json", Map.of("num_hidden_layers", Integer.MAX_VALUE));
        // Was an OutOfMemoryError sizing the per-layer arrays.
        failsToOpen(ModelConfigException.class, dir, "config.json", "num_hidden_layers 2147483647");
    }

    @Test
    void oddOrHugeHeadDim() {
        Path odd = copyOfGood();
        TestModels.editJson(odd, "config.json", Map.of("head_dim", 3));
        failsToOpen(ModelConfigException.class, odd, "config.json", "head_dim 3 is odd");
        Path overflowing = copyOfGood();
        TestModels.editJson(overflowing, "config.json", Map.of("head_dim", 1 << 30));
        failsToOpen(ModelConfigException.class, overflowing, "config.json", "overflows");
        // One head of 2^30: the rotary tables were filled (minutes, 2 GiB) before q_proj's shape was checked.
        Path huge = copyOfGood();
        TestModels.editJson(huge, "config.json", Map.of("head_dim", 1 << 30, "num_attention_heads", 1,
                "num_key_value_heads", 1));
        assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> failsToOpen(CheckpointException.class, huge, "q_proj.weight", "has shape", "config.json"));
    }

    @Test
    void ropeThetaAndNormEpsilonMustBePositiveNumbers() {
        // "NaN" as a string was read as NaN and every logit came out NaN; "abc" silently became the default.
        for (Object theta : List.of("NaN", "abc", -1, 0, 1e-300)) {
            Path dir = copyOfGood();
            TestModels.editJson(dir, "config.json", Map.of("rope_theta", theta));
            failsToOpen(ModelConfigException.class, dir, "config.json", "rope_theta");
        }
        for (Object eps : List.of("1e-6", -1e-6, 0)) {
            Path dir = copyOfGood();
            TestModels.editJson(dir, "config.json", Map.of("rms_norm_eps", eps));
            failsToOpen(ModelConfigException.class, dir, "config.json", "'rms_norm_eps' must be a positive number");
        }
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        String victim = "model.layers.1.mlp.shared_expert.up_proj.weight";
        Path dir = copyOfGood();
        Path file = dir.resolve("model.safetensors");
        try (SafetensorsFile original = SafetensorsFile.open(file)) {
            assertTrue(original.contains(victim));
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : original.tensorNames()) {
                if (!name.equals(victim)) {
                    TensorInfo info = original.info(name);
                    w.add(name, info.dtype(), info.shape(), () -> original.readFloats(name));
                }
            }
            w.write(file);
        }
        failsToOpen(CheckpointException.class, dir, "tensor '" + victim + "' not found");
    }

    @Test
    void truncatedWeightsFile() throws IOException {
        Path dir = copyOfGood();
        Path file = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1000);
        }
        failsToOpen(CheckpointException.class, dir, "model.safetensors", "truncated");
    }

    @Test
    void configThatDoesNotMatchTheWeights() {
        Path dir = copyOfGood();
        TestModels.editJson(dir, "config.json", Map.of("num_experts", 3));
        failsToOpen(CheckpointException.class, dir, "mlp.gate.weight", "has shape", "expects");
    }

    @Test
    void wronglyTypedFieldsAreNotReadAsSomethingElse() {
        // Each was read silently: 32.5 as 32, "abc" as false, 5 as true, "x" as layer 0, "1" as token 0.
        Map<String, Object> wrong = new java.util.LinkedHashMap<>();
        wrong.put("hidden_size", 32.5);
        wrong.put("norm_topk_prob", "abc");
        wrong.put("tie_word_embeddings", 5);
        wrong.put("use_sliding_window", "no");
        wrong.put("mlp_only_layers", List.of("x"));
        wrong.put("decoder_sparse_step", true);
        wrong.put("bos_token_id", "1");
        for (Map.Entry<String, Object> field : wrong.entrySet()) {
            Path dir = copyOfGood();
            TestModels.editJson(dir, "config.json", Map.of(field.getKey(), field.getValue()));
            failsToOpen(ModelConfigException.class, dir, "config.json", field.getKey());
        }
        Path eos = copyOfGood(); // 2^40 was read as token 0, so generation stopped on a real token
        TestModels.editJson(eos, "generation_config.json", Map.of("eos_token_id", List.of(1L << 40)));
        failsToOpen(ModelConfigException.class, eos, "generation_config.json", "eos_token_id is 1099511627776");
        Path integral = copyOfGood(); // 32.0 is the integer it says
        TestModels.editJson(integral, "config.json", Map.of("hidden_size", 32.0));
        KlotskiEngine.open(EngineOptions.builder(integral).optThreads(1).build()).close();
    }

    @Test
    void invalidUtf8InAJsonKeyIsRefused() throws IOException {
        // Jackson's byte parser took a 0xFF byte inside a key for its own padding when it had seen the key without
        // it: "<FF>\u00CA" read as "\u00CA" (while the tokenizers library saw U+FFFD there), "hidden_s<FF>ize" as
        // "hidden_size"; both folders loaded.
        Path tokenizer = TestModels.copy(TestModels.qwen3(), tmp.resolve("bad-" + (counter++)));
        String vocab = Files.readString(tokenizer.resolve("tokenizer.json"));
        Files.write(tokenizer.resolve("tokenizer.json"),
                withFF(vocab.replace("\"\u00CB\": 203", "\"" + FF + "\u00CA\": 203")));
        failsToOpen(UncheckedIOException.class, tokenizer, "tokenizer.json", "invalid UTF-8");
        Path config = copyOfGood();
        String text = Files.readString(config.resolve("config.json"));
        int end = text.lastIndexOf('}');
        Files.write(config.resolve("config.json"),
                withFF(text.substring(0, end) + ", \"hidden_s" + FF + "ize\": 32" + text.substring(end)));
        failsToOpen(ModelConfigException.class, config, "config.json", "invalid UTF-8");
    }

    /** Stands for the byte 0xFF, never valid UTF-8, in {@link #withFF}. */
    private static final String FF = "\uE000";

    private static byte[] withFF(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        String[] parts = text.split(FF, -1);
        for (int i = 0; i < parts.length; i++) {
            out.writeBytes(parts[i].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (i + 1 < parts.length) {
                out.write(0xFF);
            }
        }
        return out.toByteArray();
    }

    @Test
    void wronglyTypedTokenizerConfigIsRefused() throws IOException {
        // Each loaded, read as false or absent: add_bos_token "yes", a bos_token of 5, and so on.
        Map<String, Object> wrong = Map.of("add_bos_token", "yes", "add_eos_token", 1, "bos_token", 5,
                "eos_token", Map.of("content", 5), "chat_template", 5);
        for (Map.Entry<String, Object> field : wrong.entrySet()) {
            Path dir = copyOfGood();
            TestModels.editJson(dir, "tokenizer_config.json", Map.of(field.getKey(), field.getValue()));
            failsToOpen(IllegalArgumentException.class, dir, "tokenizer_config.json", field.getKey());
        }
        Path array = copyOfGood();
        Files.writeString(array.resolve("tokenizer_config.json"), "[]");
        failsToOpen(IllegalArgumentException.class, array, "tokenizer_config.json", "is not a JSON object");
    }

    @Test
    void jsonFollowedByMoreIsRefused() throws IOException {
        // Jackson read the first document and ignored the rest, so a spliced or doubled file loaded.
        Map<String, Class<? extends RuntimeException>> files = Map.of("config.json", ModelConfigException.class,
                "tokenizer_config.json", UncheckedIOException.class, "tokenizer.json", UncheckedIOException.class);
        for (Map.Entry<String, Class<? extends RuntimeException>> file : files.entrySet()) {
            Path dir = copyOfGood();
            Path path = dir.resolve(file.getKey());
            Files.writeString(path, Files.readString(path) + "{\"spliced\": true}");
            failsToOpen(file.getValue(), dir, file.getKey(), "Trailing token");
        }
    }

    @Test
    void tokenizerJsonTheLibraryRefusesIsNamed() {
        Path dir = copyOfGood();
        TestModels.removeJsonField(dir, "tokenizer.json", "model");
        // Was the library's bare RuntimeException "Model missing.", naming neither the file nor the fix.
        IllegalArgumentException e = failsToOpen(IllegalArgumentException.class, dir, "tokenizer.json",
                "Model missing", "copy tokenizer.json again");
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void tokenIdBeyondJavaIntsIsNamed() throws IOException {
        Path dir = copyOfGood();
        Path file = dir.resolve("tokenizer.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(file.toFile());
        ObjectNode token = (ObjectNode) root.get("added_tokens").get(0);
        token.put("id", 4294967295L); // a valid u32 for the library; Jackson's asInt made it -1
        json.writeValue(file.toFile(), root);
        // Was an IndexOutOfBoundsException from the special-token BitSet.
        failsToOpen(IllegalArgumentException.class, dir, "tokenizer.json", token.get("content").asText(),
                "4294967295");
    }

    @Test
    void unsupportedDevice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KlotskiEngine.open(EngineOptions.builder(good).optDevice("cuda:0").build()));
        assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
    }
}
