package dev.klotski.engine.model.quantize;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.model.ModelConfigException;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.model.weights.QuantizedTensors;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.WeightFormat;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken quantized folder fails to open with a message naming the tensor or file and the fix. */
class QuantizedFolderErrorsTest {
    /** (hidden 64, intermediate 64) so every expert matrix is 64 x 64. */
    private static final String WEIGHT = "model.layers.1.block_sparse_moe.experts.2.w2.weight";
    private static final String QUANTS = QuantizedTensors.quants(WEIGHT, WeightFormat.Q8);
    private static final String SCALES = QuantizedTensors.scales(WEIGHT, WeightFormat.Q8);

    @TempDir
    static Path tmp;
    private static Path original;
    private static Path good;
    private static int counter;

    @BeforeAll
    static void quantize() {
        original = TestModels.make(tmp.resolve("original"), TestModels.spec("mixtral", 64, 5));
        good = tmp.resolve("good");
        ModelQuantizerTest.quantize(original, good, "int8", "bf16", 32);
    }

    private static Path copyOf(Path dir) {
        return TestModels.copy(dir, tmp.resolve("bad-" + (counter++)));
    }

    private static Path weights(Path dir) {
        return dir.resolve("model.safetensors");
    }

    private static <T extends RuntimeException> void failsToOpen(Class<T> type, Path dir, String... parts) {
        T e = assertThrows(type, () -> KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build()).close());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void theUnbrokenFolderOpens() {
        KlotskiEngine.open(EngineOptions.builder(good).optThreads(1).build()).close();
    }

    @Test
    void missingScales() {
        Path dir = copyOf(good);
        SafetensorsEdit.drop(weights(dir), SCALES);
        failsToOpen(CheckpointException.class, dir, QUANTS, SCALES, "missing", "klotski quantize");
    }

    @Test
    void misSizedScales() {
        Path dir = copyOf(good);
        SafetensorsEdit.replace(weights(dir), SCALES, DType.F16, new long[] {64, 3});
        failsToOpen(CheckpointException.class, dir, SCALES, "[64, 3]", "F16 [64, 64 / group]");
    }

    @Test
    void scalesOfAnotherGroupSizeThanConfigJsonSays() {
        Path dir = copyOf(good);
        SafetensorsEdit.replace(weights(dir), SCALES, DType.F16, new long[] {64, 4}); // group 16
        failsToOpen(CheckpointException.class, dir, WEIGHT, "group size 16", "says int8 with group size 32");
    }

    @Test
    void quantsOfTheWrongDtypeOrShape() {
        Path dir = copyOf(good);
        SafetensorsEdit.replace(weights(dir), QUANTS, DType.U8, new long[] {64, 64});
        failsToOpen(CheckpointException.class, dir, QUANTS, "U8[64, 64]", "need I8[64, 64]");
        Path other = copyOf(good);
        SafetensorsEdit.replace(weights(other), QUANTS, DType.I8, new long[] {64, 32});
        failsToOpen(CheckpointException.class, other, QUANTS, "I8[64, 32]", "need I8[64, 64]");
    }

    @Test
    void plainWeightsUnderAQuantizedConfig() {
        Path dir = copyOf(original);
        TestModels.editJson(dir, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 1, "experts", "int8", "dense", "bf16", "group_size", 32)));
        failsToOpen(CheckpointException.class, dir, "block_sparse_moe.experts.", "stored as bf16", "says int8"); // experts load in parallel: any one
    }

    @Test
    void unknownSchemeInConfigJson() {
        Path experts = copyOf(good);
        TestModels.editJson(experts, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 1, "experts", "int3", "dense", "bf16", "group_size", 32)));
        failsToOpen(ModelConfigException.class, experts, "config.json", "int3", "int8, int4");

        Path dense = copyOf(good);
        TestModels.editJson(dense, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 1, "experts", "int8", "dense", "fp8", "group_size", 32)));
        failsToOpen(ModelConfigException.class, dense, "config.json", "fp8", "bf16, int8");

        Path version = copyOf(good);
        TestModels.editJson(version, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 2, "experts", "int8", "dense", "bf16", "group_size", 32)));
        failsToOpen(ModelConfigException.class, version, "config.json", "format_version 2", "version 1");

        Path group = copyOf(good);
        TestModels.editJson(group, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 1, "experts", "int8", "dense", "bf16", "group_size", 0)));
        failsToOpen(ModelConfigException.class, group, "config.json", "group size must be an integer >= 2");

        Path notObject = copyOf(good);
        TestModels.editJson(notObject, "config.json", Map.of("klotski_quantization", "int8"));
        failsToOpen(ModelConfigException.class, notObject, "config.json", "must be an object");
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheInputDimension() {
        Path dir = copyOf(good);
        TestModels.editJson(dir, "config.json", Map.of("klotski_quantization",
                Map.of("format_version", 1, "experts", "int8", "dense", "bf16", "group_size", 48)));
        failsToOpen(ModelConfigException.class, dir, "config.json", "group_size 48", "hidden_size 64", "--group");
    }
}
