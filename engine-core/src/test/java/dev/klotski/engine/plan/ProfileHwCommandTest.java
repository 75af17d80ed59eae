package dev.klotski.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.cli.KlotskiCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code klotski profile-hw} on the bundled tiny model with small probes, and {@code klotski plan} using its file. */
class ProfileHwCommandTest {
    private record Run(int exitCode, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KlotskiCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void profileHwMeasuresPositiveFiguresAndPlanUsesTheFile(@TempDir Path dir) throws Exception {
        String model = TestModels.qwen3().toString();
        Path file = dir.resolve("hw.json");
        Run run = cli("profile-hw", "--model", model, "--threads", "1", "--out", file.toString(), "--disk-bytes", "1MiB",
                "--tokens", "1,4,16", "--pass-tokens", "1,4", "--context", "8", "--repeats", "1", "--warmup-ms", "20", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(file), "the profile is cached in --out");
        HardwareProfile p = HardwareProfile.read(file);
        assertEquals(p, HardwareProfile.fromJson(run.out(), "stdout"));
        assertEquals(ModelKey.of(TestModels.qwen3()), p.modelKey());
        assertEquals(1, p.threads());
        assertTrue(p.diskBufferedBytesPerSecond() > 0, p.toText());
        assertTrue(p.diskDirectBytesPerSecond() >= 0, p.toText());
        assertTrue(p.hostCopyBytesPerSecond() > 0, p.toText());
        assertTrue(p.ffn(p.model().expertFormat()).seconds(16) > 0, p.toText());
        assertTrue(p.dense().seconds(4, 0) > 0, p.toText());
        assertTrue(p.lmHeadSecondsPerRow() >= 0, p.toText());
        assertEquals(p.model().layers(), 3, "tiny-qwen3-moe: " + p.model().summary());

        Run plan = cli("plan", "--model", model, "--threads", "1", "--profile", file.toString(), "--device-budget", "50%",
                "--prompts", "8", "--prompt-tokens", "16", "--new-tokens", "4", "--kv-memory", "256MiB", "--format", "json");
        assertEquals(0, plan.exitCode(), plan.err());
        JsonNode json = new ObjectMapper().readTree(plan.out());
        assertTrue(json.get("predicted_tokens_per_second").asDouble() > 0, plan.out());
        assertTrue(json.get("group_batches").asInt() >= 1, plan.out());

        Run stale = cli("plan", "--model", model, "--threads", "2", "--profile", file.toString(), "--device-budget", "50%");
        assertEquals(1, stale.exitCode(), stale.out());
        assertTrue(stale.err().contains("measured with 1 threads; this run uses 2"), stale.err());
    }
}
