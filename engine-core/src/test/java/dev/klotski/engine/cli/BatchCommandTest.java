package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.RowSeed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code klotski batch}: JSONL in, JSONL out in input order, rows seeded like Spark's, clear errors. */
class BatchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GenerateCommandGoldenTest.Run cli(String... args) {
        return GenerateCommandGoldenTest.cli(args);
    }

    @Test
    void everyLineComesBackInOrderAndMatchesGenerate(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("prompts.jsonl");
        Files.write(input, List.of(
                "{\"id\": \"a\", \"prompt\": \"The fox\"}",
                "{\"id\": \"b\", \"prompt\": null}",
                "",
                "{\"id\": \"c\", \"prompt\": \"\"}",
                "{\"prompt\": \"naïve café\"}",
                "{\"id\": 7, \"prompt\": \"def f(x):\"}"), StandardCharsets.UTF_8);
        Path output = tmp.resolve("out.jsonl");
        String model = TestModels.qwen3().toString();
        GenerateCommandGoldenTest.Run run = cli("batch", "--model", model, "--input", input.toString(),
                "--output", output.toString(), "--batch-size", "2", "--max-new-tokens", "5", "--temperature", "0.9",
                "--seed", "3", "--batch-invariant");
        assertEquals(0, run.exitCode(), run.err());
        List<JsonNode> rows = Files.readAllLines(output).stream().map(BatchCommandTest::json).toList();
        assertEquals(List.of("\"a\"", "\"b\"", "\"c\"", "5", "7"), rows.stream().map(r -> r.get("id").toString()).toList());
        assertTrue(rows.get(1).get("text").isNull(), "null prompt -> null text");
        assertEquals("", rows.get(2).get("text").asText(), "empty prompt -> empty text");
        // A row equals `klotski generate` with the row's seed: the same seeds Spark's moe_generate uses.
        for (int i : new int[] {0, 3, 4}) {
            String prompt = List.of("The fox", "", "", "naïve café", "def f(x):").get(i);
            long seed = RowSeed.of(3, prompt.getBytes(StandardCharsets.UTF_8), null);
            GenerateCommandGoldenTest.Run one = cli("generate", "--model", model, "--prompt", prompt,
                    "--max-new-tokens", "5", "--temperature", "0.9", "--seed", Long.toString(seed), "--batch-invariant",
                    "--format", "json");
            assertEquals(0, one.exitCode(), one.err());
            assertEquals(json(one.out()).get("text").asText(), rows.get(i).get("text").asText(), "row " + i);
            int generated = rows.get(i).get("generated_tokens").asInt();
            assertTrue(generated >= 1 && generated <= 5, "row " + i + ": " + generated + " tokens");
        }
    }

    @Test
    void badLinesAndOverLongPromptsNameTheLine(@TempDir Path tmp) throws Exception {
        String model = TestModels.qwen3().toString();
        Path notJson = tmp.resolve("bad.jsonl");
        Files.write(notJson, List.of("{\"prompt\": \"ok\"}", "prompt without json"));
        GenerateCommandGoldenTest.Run bad = cli("batch", "--model", model, "--input", notJson.toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("line 2 is not JSON"), bad.err());

        Path longPrompt = tmp.resolve("long.jsonl");
        Files.write(longPrompt, List.of("{\"prompt\": \"short\"}", "{\"prompt\": \"" + "word ".repeat(5000) + "\"}"));
        GenerateCommandGoldenTest.Run tooLong = cli("batch", "--model", model, "--input", longPrompt.toString(),
                "--max-new-tokens", "2");
        assertEquals(1, tooLong.exitCode());
        assertTrue(tooLong.err().contains("line 2") && tooLong.err().contains("on_overflow=truncate"), tooLong.err());

        GenerateCommandGoldenTest.Run truncated = cli("batch", "--model", model, "--input", longPrompt.toString(),
                "--max-new-tokens", "2", "--on-overflow", "truncate");
        assertEquals(0, truncated.exitCode(), truncated.err());
        assertEquals(2, truncated.out().strip().split("\n").length);

        GenerateCommandGoldenTest.Run kept = cli("batch", "--model", model, "--input", longPrompt.toString(),
                "--max-new-tokens", "2", "--on-error", "null");
        assertEquals(0, kept.exitCode(), kept.err());
        String[] lines = kept.out().strip().split("\n");
        assertEquals(2, lines.length, "the bad row is kept, the good one generated");
        assertFalse(json(lines[0]).get("text").isNull(), lines[0]);
        assertTrue(json(lines[1]).get("text").isNull(), lines[1]);
        assertTrue(json(lines[1]).get("error").asText().contains("context"), lines[1]);

        GenerateCommandGoldenTest.Run missing = cli("batch", "--model", model, "--input", tmp.resolve("nope").toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("input file not found"), missing.err());
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /**
     * With offloaded experts batch runs the planner's group from the cached hardware profile (and says so), or with
     * --no-plan the default one; in batch-invariant mode the rows are the same either way.
     */
    @Test
    void offloadedBatchesRunThePlannersGroupFromTheCachedProfile(@TempDir Path tmp) throws Exception {
        String model = TestModels.qwen3().toString();
        Path input = tmp.resolve("prompts.jsonl");
        Files.write(input, List.of("{\"prompt\": \"The fox\"}", "{\"prompt\": \"def f(x):\"}",
                "{\"prompt\": \"Once upon\"}"));
        String previous = System.getProperty(dev.klotski.engine.plan.ProfileCache.DIR_PROPERTY);
        System.setProperty(dev.klotski.engine.plan.ProfileCache.DIR_PROPERTY, tmp.resolve("cache").toString());
        try {
            String[] common = {"batch", "--model", model, "--input", input.toString(), "--max-new-tokens", "4",
                    "--threads", "1", "--batch-invariant", "--device-budget", "50%"};
            GenerateCommandGoldenTest.Run unprofiled = cli(common);
            assertEquals(0, unprofiled.exitCode(), unprofiled.err());
            assertTrue(unprofiled.err().contains("no hardware profile") && unprofiled.err().contains("klotski profile-hw"),
                    unprofiled.err());

            GenerateCommandGoldenTest.Run profiled = cli("profile-hw", "--model", model, "--threads", "1",
                    "--batch-invariant", "--disk-bytes", "1MiB", "--tokens", "1,4,16", "--pass-tokens", "1,4",
                    "--context", "8", "--repeats", "1", "--warmup-ms", "20");
            assertEquals(0, profiled.exitCode(), profiled.err());
            GenerateCommandGoldenTest.Run planned = cli(common);
            assertEquals(0, planned.exitCode(), planned.err());
            assertTrue(planned.err().contains("klotski: planned group: n = "), planned.err());

            String[] unplanned = java.util.Arrays.copyOf(common, common.length + 1);
            unplanned[common.length] = "--no-plan";
            GenerateCommandGoldenTest.Run plain = cli(unplanned);
            assertEquals(0, plain.exitCode(), plain.err());
            assertFalse(plain.err().contains("planned group"), plain.err());
            assertEquals(plain.out(), planned.out(), "the group never changes a batch-invariant row");
        } finally {
            if (previous == null) {
                System.clearProperty(dev.klotski.engine.plan.ProfileCache.DIR_PROPERTY);
            } else {
                System.setProperty(dev.klotski.engine.plan.ProfileCache.DIR_PROPERTY, previous);
            }
        }
    }
}
