package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.golden.GoldenCase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract: {@code klotski generate --format json} reproduces the llama.cpp golden outputs. */
class GenerateCommandGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exitCode, String out, String err) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KlotskiCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void mixtralGoldenThroughTheCommandLine() throws Exception {
        Path dir = GoldenCase.sharedMixtral();
        Assumptions.assumeTrue(dir != null, "../shared/golden/tiny-mixtral is not present: skipped");
        GoldenCase golden = GoldenCase.load("tiny-mixtral", dir);
        for (JsonNode prompt : golden.prompts()) {
            for (String mode : new String[] {"fast", "batch-invariant"}) {
                String[] base = {"generate", "--model", dir.toString(), "--prompt", prompt.get("text").asText(),
                        "--max-new-tokens", "24", "--top-logprobs", "5", "--format", "json"};
                String[] args = mode.equals("fast") ? base : append(base, "--batch-invariant");
                Run run = cli(args);
                assertEquals(0, run.exitCode(), run.err());
                JsonNode out = JSON.readTree(run.out());
                String where = prompt.get("name").asText() + " (" + mode + ")";
                assertArrayEquals(GoldenCase.ints(prompt.get("prompt_ids")), GoldenCase.ints(out.get("prompt_token_ids")), where);
                assertArrayEquals(GoldenCase.ints(prompt.get("generated_ids")), GoldenCase.ints(out.get("output_token_ids")), where);
                assertEquals(prompt.get("generated_text_hf_decode").asText(), out.get("text").asText(), where);
                JsonNode steps = prompt.get("steps");
                for (int s = 0; s < 24; s++) {
                    for (int j = 0; j < 5; j++) {
                        JsonNode ref = steps.get(s).get("top5").get(j);
                        JsonNode got = out.get("top_logprobs").get(s).get(j);
                        assertEquals(ref.get("id").asInt(), got.get("id").asInt(), where + " step " + s);
                        assertEquals(ref.get("prob").asDouble(), Math.exp(got.get("logprob").asDouble()), 1e-3, where);
                    }
                }
                assertTrue(out.get("stats").get("decode_tokens_per_s").asDouble() > 0, where + ": stats");
            }
        }
    }

    @Test
    void promptIdsBypassTokenizationAndAddNoBos() throws Exception {
        Path dir = GoldenCase.sharedMixtral();
        Assumptions.assumeTrue(dir != null, "../shared/golden/tiny-mixtral is not present: skipped");
        Run run = cli("generate", "--model", dir.toString(), "--prompt-ids", "15359,28725", "--max-new-tokens", "3",
                "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        assertArrayEquals(new int[] {15359, 28725}, GoldenCase.ints(JSON.readTree(run.out()).get("prompt_token_ids")));
    }

    @Test
    void badInputGivesOneClearLineAndExitCode(@TempDir Path tmp) {
        Run missing = cli("generate", "--model", tmp.resolve("nope").toString(), "--prompt", "hi");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("model folder not found"), missing.err());

        Run badFlag = cli("generate", "--model", tmp.toString(), "--prompt", "hi", "--temprature", "1");
        assertEquals(2, badFlag.exitCode());
        assertTrue(badFlag.err().contains("'--temprature'") && badFlag.err().contains("--temperature"), badFlag.err());

        Run both = cli("generate", "--model", tmp.toString(), "--prompt", "hi", "--prompt-ids", "1");
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
    }

    @Test
    void makeModelThenGenerateRoundTrip(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("qwen3");
        Run make = cli("make-model", "--arch", "qwen3_moe", "--layers", "2", "--hidden", "64", "--experts", "4",
                "--top-k", "2", "--vocab", "300", "--seed", "7", "--out", model.toString(), "--quiet");
        assertEquals(0, make.exitCode(), make.err());
        Run gen = cli("generate", "--model", model.toString(), "--prompt", "hello world", "--max-new-tokens", "5",
                "--format", "json");
        assertEquals(0, gen.exitCode(), gen.err());
        assertEquals(5, JSON.readTree(gen.out()).get("output_token_ids").size());
    }

    private static String[] append(String[] a, String extra) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = extra;
        return out;
    }
}
