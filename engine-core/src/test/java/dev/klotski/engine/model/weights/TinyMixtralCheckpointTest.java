package dev.klotski.engine.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real HuggingFace-written checkpoint of the shared golden tiny Mixtral. */
class TinyMixtralCheckpointTest {
    static Path modelDir;

    @BeforeAll
    static void locate() {
        String root = System.getProperty("klotski.repo.root", System.getProperty("user.dir"));
        modelDir = Path.of(root).resolve("../shared/golden/tiny-mixtral").normalize();
        Assumptions.assumeTrue(Files.isRegularFile(modelDir.resolve("model.safetensors")),
                "shared golden models not present: " + modelDir);
    }

    @Test
    void hasAllParametersWithTheDocumentedShapes() {
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            long params = 0;
            for (String name : ckpt.tensorNames()) {
                params += ckpt.info(name).elementCount();
                assertEquals(DType.BF16, ckpt.info(name).dtype(), name);
            }
            assertEquals(4_934_208L, params);
            assertEquals(2 * 4_934_208L, ckpt.totalBytes());
            // 4 layers x (2 norms + 4 attention + router + 8 experts x 3) + embed + norm + lm_head
            assertEquals(4 * (2 + 4 + 1 + 24) + 3, ckpt.tensorNames().size());

            TensorInfo w2 = ckpt.info("model.layers.0.block_sparse_moe.experts.0.w2.weight");
            assertArrayEquals(new long[] {64, 128}, w2.shape());
            assertEquals("[64, 128]", w2.shapeString());
            assertEquals(DType.BF16, w2.dtype());
            WeightMatrix m = ckpt.weight("model.layers.0.block_sparse_moe.experts.0.w2.weight", 64, 128);
            assertEquals(WeightFormat.BF16, m.format(), "BF16 weights stay BF16: no float32 copy");
            assertEquals(64 * 128, m.halves().length);
            assertArrayEquals(new long[] {32000, 64}, ckpt.info("model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {32, 64}, ckpt.info("model.layers.3.self_attn.k_proj.weight").shape());
        }
    }

    @Test
    void finalNormWeightsAreNearOne() {
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            float[] norm = ckpt.vector("model.norm.weight", 64).floats();
            // Exact bf16 values as stored (read independently with numpy).
            assertArrayEquals(new float[] {1.1796875f, 0.91015625f, 1.2890625f, 0.78515625f},
                    java.util.Arrays.copyOf(norm, 4));
            double sum = 0;
            for (float v : norm) {
                assertTrue(v > 0.2f && v < 1.8f, "RMSNorm weight " + v + " is not near 1");
                sum += v;
            }
            double mean = sum / norm.length;
            assertEquals(1.0, mean, 0.1, "mean of 1 + 0.2*N(0,1) over 64 values");
        }
    }

    @Test
    void safetensorsFileSeesHuggingFaceMetadata() {
        try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals("lm_head.weight", f.tensorNames().iterator().next()); // first in data order
        }
    }
}
