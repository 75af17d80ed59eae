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
                "--batch-sizes", "1,2", "--prompt-tokens", "4", "--new-tokens", "3", "--repeats", "1",
                "--warmup-ms", "0", "--format", "json");
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
    void warmUpRepeatsUntilItsTimeHasPassed() throws Exception {
        String model = TestModels.qwen3().toString();
        long start = System.nanoTime();
        GenerateCommandGoldenTest.Run run = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--batch-sizes", "1", "--prompt-tokens", "4", "--new-tokens", "2", "--repeats", "1",
                "--warmup-ms", "600", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(System.nanoTime() - start >= 600_000_000L, "the warm-up lasts at least --warmup-ms");
        JsonNode row = JSON.readTree(run.out()).get("results").get(0);
        assertTrue(row.get("warmup_runs").asInt() > 1, "a pass of 2 tokens is far shorter than 600 ms: " + row);

        GenerateCommandGoldenTest.Run once = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--batch-sizes", "1", "--prompt-tokens", "4", "--new-tokens", "2", "--repeats", "1",
                "--warmup-ms", "0", "--format", "json");
        assertEquals(1, JSON.readTree(once.out()).get("results").get(0).get("warmup_runs").asInt());

        GenerateCommandGoldenTest.Run negative = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--warmup-ms", "-1");
        assertTrue(negative.exitCode() != 0);
        assertTrue(negative.err().contains("--warmup-ms must be 0 or more"), negative.err());
    }

    @Test
    void offloadedRunsEveryPolicyAndPrefetcherOnTheSamePrompts() throws Exception {
        String model = TestModels.qwen3().toString();
        GenerateCommandGoldenTest.Run run = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--device-budget", "30%", "--prefetch", "none,next-gate", "--policy", "lru", "--batch-sizes", "2",
                "--prompt-tokens", "6", "--new-tokens", "4", "--repeats", "1", "--warmup-ms", "0", "--format", "json");
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

    @Test
    void modesRunOnTheSamePromptsAndReportTheContractsFiguresAndCharts(@org.junit.jupiter.api.io.TempDir
                                                                         java.nio.file.Path dir) throws Exception {
        String model = TestModels.qwen3().toString();
        // Every part of klotski's plan given: the planner (and its hardware probe) is not needed here.
        GenerateCommandGoldenTest.Run run = GenerateCommandGoldenTest.cli("bench", "--model", model,
                "--budgets", "30%,60%", "--modes", "resident,load-on-demand,simple-pipeline,klotski", "--prompts", "6",
                "--prompt-tokens", "5", "--new-tokens", "4", "--batch-size", "2", "--group-batches", "3",
                "--pass-tokens", "64", "--pool-share", "0.5", "--threads", "1", "--format", "json",
                "--plot", dir.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode out = JSON.readTree(run.out());
        assertTrue(out.get("disk_bytes_per_s").asLong() > 0, out.toString());
        JsonNode runs = out.get("runs");
        assertEquals(1 + 3 * 2, runs.size(), "resident once, each offloading mode at both budgets: " + out);
        java.util.Map<String, JsonNode> byMode = new java.util.HashMap<>();
        for (JsonNode r : runs) {
            for (String key : new String[] {"mode", "tokens_per_s", "prefill_tokens_per_s", "decode_tokens_per_s",
                    "wall_s", "compute_s", "hit_rate", "bytes_read", "bubble_fraction"}) {
                assertTrue(r.has(key), key + " in " + r);
            }
            assertEquals(6 * 4, r.get("generated_tokens").asInt(), "every mode ran the same six prompts: " + r);
            assertTrue(r.get("tokens_per_s").asDouble() > 0 && r.get("wall_s").asDouble() > 0, r.toString());
            byMode.putIfAbsent(r.get("mode").asText(), r);
        }
        assertEquals(0L, byMode.get("resident").get("bytes_read").asLong());
        assertEquals(1.0, byMode.get("resident").get("hit_rate").asDouble());
        JsonNode demand = byMode.get("load-on-demand");
        assertEquals(1, demand.get("group_batches").asInt());
        assertEquals(false, demand.get("overlap").asBoolean());
        assertTrue(demand.get("largest_group").asInt() <= 2, "one batch of B = 2 at a time: " + demand);
        JsonNode klotski = byMode.get("klotski");
        assertEquals(3, klotski.get("group_batches").asInt());
        assertEquals(6, klotski.get("largest_group").asInt(), "three batches of two advance together: " + klotski);
        assertTrue(klotski.get("bytes_read").asLong() < demand.get("bytes_read").asLong(),
                "a group shares each load: " + klotski + " vs " + demand);
        assertTrue(klotski.has("roofline_s") && klotski.has("wall_over_roofline"), klotski.toString());
        for (String png : new String[] {"modes.png", "budgets.png"}) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(dir.resolve(png).toFile());
            assertTrue(image != null && image.getWidth() > 100, png);
        }
    }
}
