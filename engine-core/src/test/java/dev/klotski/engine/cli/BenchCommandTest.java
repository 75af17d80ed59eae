package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.weights.Checkpoint;
import org.junit.jupiter.api.Test;

/** {@code klotski bench --format json}: throughput rows plus the weight bytes really held. */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonReportsRatesAndHeldWeightBytesByFormat() throws Exception {
        String model = TestModels.qwen3().toString();
        GenerateCommandGoldenTest.Run run = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--batch-sizes", "1,2", "--prompt-tokens", "4", "--new-tokens", "3", "--repeats", "1", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode out = JSON.readTree(run.out());
        assertEquals(2, out.get("results").size());
        assertTrue(out.get("results").get(1).get("decode_tokens_per_s").asDouble() > 0);
        long stored;
        try (Checkpoint c = Checkpoint.open(TestModels.qwen3())) {
            stored = c.totalBytes();
        }
        long held = out.get("weight_bytes").asLong();
        assertTrue(held >= stored && held < stored * 1.05, "held " + held + " vs checkpoint " + stored);
        long sum = 0;
        for (JsonNode v : out.get("weight_bytes_by_format")) {
            sum += v.asLong();
        }
        assertEquals(held, sum);
        assertTrue(out.get("weight_bytes_by_format").has("bf16"), out.toString());
    }
}
