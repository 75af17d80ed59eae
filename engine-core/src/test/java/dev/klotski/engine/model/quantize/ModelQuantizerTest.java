package dev.klotski.engine.model.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.engine.model.arch.Architecture;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ModelConfigException;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.QuantizationScheme;
import dev.klotski.engine.model.arch.Architectures;
import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.QuantizedTensors;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.Quantizer;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelQuantizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static Path mixtral;
    private static int counter;

    @BeforeAll
    static void writeModel() {
        mixtral = TestModels.make(tmp.resolve("mixtral"), TestModels.spec("mixtral", 64, 3));
    }

    static ModelQuantizer.Result quantize(Path source, Path out, String experts, String dense, int group) {
        return new ModelQuantizer(QuantizationScheme.of(experts, dense, group)).quantize(source, out, (d, t) -> { });
    }

    private static Path fresh(String name) {
        return tmp.resolve(name + "-" + (counter++));
    }

    private static List<String> generate(Path dir, int tokens) {
        try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            List<GenerationResult> r = engine.generate(List.of(
                    GenerationRequest.ofText("The quick brown fox", SamplingParams.GREEDY.withMaxNewTokens(tokens))));
            return List.of(r.get(0).text(), Integer.toString(r.get(0).outputIds().length));
        }
    }

    @Test
    void qwen3WithInt8ExpertsKeepsEverythingElseAndGenerates() throws IOException {
        Path src = TestModels.qwen3();
        Path out = fresh("qwen3-int8");
        ModelQuantizer.Result r = quantize(src, out, "int8", "bf16", 16);
        ModelConfig config = ModelConfig.load(out);
        assertEquals(new QuantizationScheme(WeightFormat.Q8, WeightFormat.BF16, 16), config.quantization());
        JsonNode json = JSON.readTree(out.resolve("config.json").toFile());
        assertEquals(JSON.readTree("{\"format_version\":1,\"experts\":\"int8\",\"dense\":\"bf16\",\"group_size\":16}"),
                json.get("klotski_quantization"));
        assertEquals(JSON.readTree(src.resolve("config.json").toFile()).get("hidden_size"), json.get("hidden_size"));
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "generation_config.json", "README.md"}) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        assertFalse(Files.exists(out.resolve("logits")), "sub-folders are not copied");
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".partial")), "staging left behind");
        }

        Architecture arch = Architectures.QWEN3_MOE;
        TensorRoles roles = new TensorRoles(ModelConfig.load(src), arch);
        try (Checkpoint a = Checkpoint.open(src); Checkpoint b = Checkpoint.open(out)) {
            assertEquals(roles.expertNames().size(), r.quantizedWeights());
            for (String expert : roles.expertNames()) {
                assertFalse(b.contains(expert), "plain HF name left for a quantized weight: " + expert);
                assertEquals(DType.I8, b.info(QuantizedTensors.quants(expert, WeightFormat.Q8)).dtype());
                assertEquals(DType.F16, b.info(QuantizedTensors.scales(expert, WeightFormat.Q8)).dtype());
            }
            for (String name : a.tensorNames()) {
                if (!roles.expertNames().contains(name)) { // BF16 source: every other tensor is copied bit for bit
                    assertEquals(a.info(name).dtype(), b.info(name).dtype(), name);
                    assertArrayEquals(a.shorts(name), b.shorts(name), name);
                }
            }
        }
        assertEquals("8", generate(out, 8).get(1));
    }

    @Test
    void quantsAreTheReferenceQuantizerOfTheStoredWeights() {
        Path out = fresh("mixtral-int4-int8");
        quantize(mixtral, out, "int4", "int8", 32);
        String expert = "model.layers.1.block_sparse_moe.experts.2.w2.weight";
        String dense = Architecture.EMBEDDINGS;
        try (Checkpoint a = Checkpoint.open(mixtral); Checkpoint b = Checkpoint.open(out)) {
            for (String name : new String[] {expert, dense}) {
                WeightFormat f = name.equals(expert) ? WeightFormat.Q4 : WeightFormat.Q8;
                long[] shape = a.info(name).shape();
                int rows = (int) shape[0];
                int cols = (int) shape[1];
                WeightMatrix want = Quantizer.quantize(a.floats(name), rows, cols, f, 32);
                WeightMatrix got = b.weight(name, rows, cols);
                assertEquals(f, got.format(), name);
                assertArrayEquals(want.quants(), got.quants(), name);
                assertArrayEquals(want.scales(), got.scales(), name);
            }
            String router = "model.layers.0.block_sparse_moe.gate.weight";
            assertArrayEquals(a.shorts(router), b.shorts(router), "the router stays as stored");
            assertTrue(b.contains(QuantizedTensors.quants("model.layers.0.self_attn.o_proj.weight", WeightFormat.Q8)));
            assertTrue(b.contains(QuantizedTensors.quants(Architecture.LM_HEAD, WeightFormat.Q8)));
            assertEquals(DType.U8, b.info(QuantizedTensors.quants(expert, WeightFormat.Q4)).dtype());
            assertArrayEquals(new long[] {64, 32}, b.info(QuantizedTensors.quants(expert, WeightFormat.Q4)).shape());
        }
        assertEquals("6", generate(out, 6).get(1));
    }

    /** The kernels decode int8/int4 as {@link WeightRows} says: same logits as the dequantized weights in F32. */
    @Test
    void aQuantizedModelComputesWhatItsDequantizedWeightsDo() {
        Path q = fresh("mixtral-int4-dense-int8");
        quantize(mixtral, q, "int4", "int8", 32);
        Path f32 = TestModels.copy(q, fresh("dequantized"));
        TestModels.removeJsonField(f32, "config.json", QuantizationScheme.CONFIG_KEY);
        SafetensorsWriter w = new SafetensorsWriter();
        try (Checkpoint c = Checkpoint.open(q)) {
            for (String name : c.tensorNames()) {
                TensorInfo info = c.info(name);
                if (name.endsWith(".int8") || name.endsWith(".int4")) {
                    String plain = name.substring(0, name.lastIndexOf('.'));
                    int rows = (int) info.shape()[0];
                    int cols = (int) (name.endsWith(".int4") ? info.shape()[1] * 2 : info.shape()[1]);
                    float[] v = WeightRows.toFloats(c.weight(plain, rows, cols));
                    w.add(plain, DType.F32, new long[] {rows, cols}, () -> v);
                } else if (!name.endsWith("_scales")) {
                    float[] v = c.floats(name);
                    w.add(name, DType.F32, info.shape(), () -> v);
                }
            }
            w.write(f32.resolve("model.safetensors"));
        }
        int[] ids = {1, 5, 9, 40, 7, 100, 3, 3, 60};
        try (KlotskiEngine a = KlotskiEngine.open(EngineOptions.builder(q).optThreads(1).build());
             KlotskiEngine b = KlotskiEngine.open(EngineOptions.builder(f32).optThreads(1).build())) {
            float[] x = a.teacherForcedLogits(ids);
            float[] y = b.teacherForcedLogits(ids);
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], x[i], 1e-3 * (1 + Math.abs(y[i])), "logit " + i);
            }
        }
    }

    @Test
    void heldBytesOfAnInt8FolderFollowTheQ8Formula() {
        Path out = fresh("mixtral-int8");
        quantize(mixtral, out, "int8", "bf16", 32);
        long expertValues = 0;
        long otherMatrixValues = 0;
        long vectorValues = 0;
        try (Checkpoint a = Checkpoint.open(mixtral)) {
            TensorRoles roles = new TensorRoles(ModelConfig.load(mixtral), Architectures.MIXTRAL);
            for (String name : a.tensorNames()) {
                TensorInfo info = a.info(name);
                if (roles.expertNames().contains(name)) {
                    expertValues += info.elementCount();
                } else if (info.rank() == 2) {
                    otherMatrixValues += info.elementCount();
                } else {
                    vectorValues += info.elementCount();
                }
            }
        }
        try (MoeModel model = ModelLoader.load(out)) {
            Map<String, Long> held = model.weightBytes().byFormat();
            // Q8: one byte per value plus one f16 scale per 32 values = 1.0625 bytes per value.
            assertEquals(expertValues + expertValues / 32 * 2, held.get("int8"));
            assertEquals(otherMatrixValues * 2, held.get("bf16"));
            assertEquals(vectorValues * 4, held.get("f32")); // norms are widened when loaded
            double perValue = (double) held.get("int8") / expertValues;
            assertEquals(1.0625, perValue, 1e-12);
        }
    }

    @Test
    void largeModelsAreShardedWithAnIndexAndLoadTheSame() throws IOException {
        Path single = fresh("single");
        Path sharded = fresh("sharded");
        quantize(mixtral, single, "int8", "bf16", 32);
        ModelQuantizer.Result r = new ModelQuantizer(QuantizationScheme.of("int8", "bf16", 32), 16 * 1024)
                .quantize(mixtral, sharded, (d, t) -> { });
        assertTrue(r.shards() > 1, "shards: " + r.shards());
        assertFalse(Files.exists(sharded.resolve(Checkpoint.SINGLE_FILE)));
        assertTrue(Files.exists(sharded.resolve(Checkpoint.INDEX_FILE)));
        assertTrue(Files.exists(sharded.resolve(ShardPlan.shardName(0, r.shards()))));
        JsonNode index = JSON.readTree(sharded.resolve(Checkpoint.INDEX_FILE).toFile());
        assertEquals(r.writtenBytes(), index.get("metadata").get("total_size").asLong());
        try (Checkpoint a = Checkpoint.open(single); Checkpoint b = Checkpoint.open(sharded)) {
            assertEquals(a.tensorNames().stream().sorted().toList(), b.tensorNames().stream().sorted().toList());
            assertEquals(a.totalBytes(), b.totalBytes());
        }
        assertEquals(generate(single, 6), generate(sharded, 6));
    }

    @Test
    void f32WeightsBecomeBf16AndF32VectorsStayF32() {
        Path src = TestModels.copy(mixtral, fresh("mixtral-f32"));
        String matrix = "model.layers.0.self_attn.q_proj.weight";
        String norm = "model.layers.0.input_layernorm.weight";
        SafetensorsEdit.widenToF32(src.resolve("model.safetensors"), matrix);
        SafetensorsEdit.widenToF32(src.resolve("model.safetensors"), norm);
        Path out = fresh("from-f32");
        quantize(src, out, "int8", "bf16", 32);
        try (Checkpoint a = Checkpoint.open(mixtral); Checkpoint b = Checkpoint.open(out)) {
            assertEquals(DType.BF16, b.info(matrix).dtype());
            assertArrayEquals(a.shorts(matrix), b.shorts(matrix), "bf16 -> f32 -> bf16 is exact");
            assertEquals(DType.F32, b.info(norm).dtype());
            assertArrayEquals(a.floats(norm), b.floats(norm));
        }
    }

    @Test
    void sharedExpertIsDenseAndItsGateStaysAsStored() {
        Path src = TestModels.bundled("tiny-qwen2-moe");
        Path out = fresh("qwen2");
        quantize(src, out, "int4", "int8", 32);
        try (Checkpoint a = Checkpoint.open(src); Checkpoint b = Checkpoint.open(out)) {
            String gate = "model.layers.0.mlp.shared_expert_gate.weight";
            assertArrayEquals(a.shorts(gate), b.shorts(gate));
            assertTrue(b.contains(QuantizedTensors.quants("model.layers.0.mlp.shared_expert.down_proj.weight",
                    WeightFormat.Q8)));
            assertTrue(b.contains(QuantizedTensors.quants("model.layers.0.mlp.experts.0.down_proj.weight",
                    WeightFormat.Q4)));
            String bias = "model.layers.0.self_attn.q_proj.bias";
            assertArrayEquals(a.shorts(bias), b.shorts(bias));
        }
        assertEquals("5", generate(out, 5).get(1));
    }

    @Test
    void aGroupThatDoesNotDivideNamesTheTensorAndSuggestsOne() {
        Path out = fresh("qwen3-g32");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> quantize(TestModels.qwen3(), out, "int8", "bf16", 32));
        assertTrue(e.getMessage().contains("down_proj.weight") && e.getMessage().contains("input dimension 48")
                && e.getMessage().contains("--group 16"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesANonEmptyOutAndAnAlreadyQuantizedSource() throws IOException {
        Path out = Files.createDirectories(fresh("full"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> quantize(mixtral, out, "int8", "bf16", 32));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertEquals(List.of("keep.txt"), Files.list(out).map(p -> p.getFileName().toString()).toList());

        Path empty = Files.createDirectories(fresh("empty"));
        quantize(mixtral, empty, "int8", "bf16", 32);
        assertTrue(Files.exists(empty.resolve("model.safetensors")), "an empty --out is filled");

        ModelConfigException again = assertThrows(ModelConfigException.class,
                () -> quantize(empty, fresh("twice"), "int4", "bf16", 32));
        assertTrue(again.getMessage().contains("already a Klotski quantized folder"), again.getMessage());
    }

    @Test
    void schemeLabelsAreCheckedWithTheValidValues() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuantizationScheme.of("int3", "bf16", 32))
                .getMessage().contains("int8, int4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuantizationScheme.of("int8", "f32", 32))
                .getMessage().contains("bf16, int8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuantizationScheme.of("int4", "bf16", 7))
                .getMessage().contains("even"));
    }
}
