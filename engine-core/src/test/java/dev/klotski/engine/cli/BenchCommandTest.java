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

    @Test
    void offloadedRunsEveryPolicyAndPrefetcherOnTheSamePrompts() throws Exception {
        String model = TestModels.qwen3().toString();
        GenerateCommandGoldenTest.Run run = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--device-budget", "30%", "--prefetch", "none,next-gate", "--policy", "lru", "--batch-sizes", "2",
                "--prompt-tokens", "6", "--new-tokens", "4", "--repeats", "1", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode out = JSON.readTree(run.out());
        assertEquals("30%", out.get("device_budget").asText());
        assertTrue(out.get("disk_bytes_per_s").asLong() > 0, out.toString());
        JsonNode rows = out.get("results");
        assertEquals(2, rows.size(), "one row per (prefetch, policy) pair");
        assertEquals("none", rows.get(0).get("prefetch").asText());
        assertEquals("next-gate", rows.get(1).get("prefetch").asText());
        for (JsonNode r : rows) {
            for (String key : new String[] {"tokens_per_s", "hit_rate", "bytes_read", "stall_s", "expert_loads",
                    "prefetch_precision", "prefetch_recall", "layers"}) {
                assertTrue(r.has(key), key + " in " + r);
            }
            assertTrue(r.get("hit_rate").asDouble() < 1.0, "30% of the experts cannot serve every lookup");
            assertEquals(3, r.get("layers").size(), "tiny-qwen3-moe has 3 MoE layers");
        }
        assertTrue(rows.get(1).get("prefetch_precision").asDouble() > 0, "next-gate predicted something useful");
        assertEquals(0.0, rows.get(0).get("prefetch_precision").asDouble(), "none predicts nothing");
    }
}
