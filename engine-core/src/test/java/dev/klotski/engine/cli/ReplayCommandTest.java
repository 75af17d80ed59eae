package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.offload.replay.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code klotski replay} and {@code klotski profile}: the JSON contract, the table, and the errors. */
class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The trace of ReplayTest: 2 layers x 4 experts, top-1, requests of 3 and 2 tokens. */
    private Path trace(String name) throws Exception {
        return NpyFiles.trace(tmp.resolve(name), new int[][][][] {
                {{{0}, {3}}, {{1}, {3}}, {{2}, {3}}},
                {{{0}, {1}}, {{1}, {3}}}});
    }

    private static GenerateCommandGoldenTest.Run cli(String... args) {
        return GenerateCommandGoldenTest.cli(args);
    }

    @Test
    void jsonHasTheFiguresTheIssueAsksFor() throws Exception {
        GenerateCommandGoldenTest.Run run = cli("replay", "--trace", trace("t").toString(), "--cache-fraction", "0.5",
                "--policy", "lru", "--prefetch", "none", "--format", "json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode o = JSON.readTree(run.out());
        for (String key : List.of("hit_rate", "loads_per_token", "prefetch_precision", "prefetch_recall",
                "belady_hit_rate", "distinct_experts_per_step", "per_layer", "slots_per_layer", "tokens")) {
            assertTrue(o.has(key), key + " missing from " + o);
        }
        assertEquals(0.3, o.get("hit_rate").asDouble(), 1e-12);
        assertEquals(0.4, o.get("belady_hit_rate").asDouble(), 1e-12);
        assertEquals(0.7, o.get("loads_per_token").asDouble(), 1e-12);
        assertEquals(2, o.get("per_layer").size());
        JsonNode layer1 = o.get("per_layer").get(1);
        for (String key : List.of("hit_rate", "loads_per_token", "prefetch_precision", "prefetch_recall",
                "belady_hit_rate", "distinct_experts_per_step", "slots")) {
            assertTrue(layer1.has(key), key + " missing from " + layer1);
        }
        assertEquals(0.6, layer1.get("hit_rate").asDouble(), 1e-12);
    }

    @Test
    void groupRowsRequestsAndTokenLimitReachTheReplay() throws Exception {
        Path t = trace("t");
        JsonNode grouped = JSON.readTree(cli("replay", "--trace", t.toString(), "--cache-fraction", "0.5", "--policy",
                "lru", "--prefetch", "none", "--group-rows", "2", "--format", "json").out());
        assertEquals(3, grouped.get("steps").asInt());
        assertEquals(4.0 / 3, grouped.get("per_layer").get(1).get("distinct_experts_per_step").asDouble(), 1e-12);
        JsonNode cut = JSON.readTree(cli("replay", "--trace", t.toString(), "--cache-fraction", "0.5", "--policy",
                "lru", "--prefetch", "none", "--requests", "1:", "--limit-tokens", "1", "--format", "json").out());
        assertEquals(1, cut.get("tokens").asInt());
        assertEquals(1, cut.get("requests").asInt());
    }

    @Test
    void aShortTableByDefault() throws Exception {
        GenerateCommandGoldenTest.Run run = cli("replay", "--trace", trace("t").toString(), "--cache-fraction", "0.5",
                "--policy", "lfu", "--prefetch", "correlation");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("hit rate") && run.out().contains("Belady") && run.out().contains("layer  slots"),
                run.out());
    }

    @Test
    void aProfileLearnedHereDrivesPinAndMarkov() throws Exception {
        Path t = trace("t");
        Path profile = tmp.resolve("p.json");
        GenerateCommandGoldenTest.Run learned = cli("profile", "--trace", t.toString(), "--requests", "1:",
                "--out", profile.toString());
        assertEquals(0, learned.exitCode(), learned.err());
        assertTrue(learned.out().contains("2 tokens of 1 requests"), learned.out());
        for (String[] pq : new String[][] {{"pin", "none"}, {"forecast", "markov"}, {"lru", "eam"}}) {
            GenerateCommandGoldenTest.Run run = cli("replay", "--trace", t.toString(), "--cache-fraction", "0.5",
                    "--policy", pq[0], "--prefetch", pq[1], "--profile", profile.toString(), "--format", "json");
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(pq[0], JSON.readTree(run.out()).get("policy").asText());
        }
    }

    @Test
    void badChoicesAreOneClearLine() throws Exception {
        Path t = trace("t");
        Path other = NpyFiles.trace(tmp.resolve("other"), new int[][][][] {{{{0, 1}, {2, 3}, {4, 5}}}});
        Path otherProfile = tmp.resolve("other-model.json");
        assertEquals(0, cli("profile", "--trace", other.toString(), "--out", otherProfile.toString()).exitCode());
        GenerateCommandGoldenTest.Run refused = cli("replay", "--trace", t.toString(), "--cache-fraction", "0.5",
                "--policy", "lru", "--prefetch", "markov", "--profile", otherProfile.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains(otherProfile.toString()) && refused.err().contains("3 layers"), refused.err());
        String[][] bad = {
                {"--policy", "arc", "--prefetch", "none"},
                {"--policy", "lru", "--prefetch", "next-gate"},
                {"--policy", "pin", "--prefetch", "none"},
                {"--policy", "lru", "--prefetch", "none", "--requests", "x"}};
        String[] expect = {"lru, lfu, shallow", "hidden states", "profile", "FROM:TO"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 5];
            System.arraycopy(new String[] {"replay", "--trace", t.toString(), "--cache-fraction", "0.5"}, 0, args, 0, 5);
            System.arraycopy(bad[i], 0, args, 5, bad[i].length);
            GenerateCommandGoldenTest.Run run = cli(args);
            assertEquals(1, run.exitCode(), String.join(" ", bad[i]));
            assertTrue(run.err().startsWith("error: ") && run.err().contains(expect[i]), run.err());
        }
        GenerateCommandGoldenTest.Run missing = cli("replay", "--trace", tmp.resolve("none").toString(),
                "--cache-fraction", "0.5", "--policy", "lru", "--prefetch", "none");
        assertTrue(missing.err().contains("does not exist"), missing.err());
        assertTrue(Files.notExists(tmp.resolve("none")));
    }

    @Test
    void aProfileOfAModelRunsItsPromptsAndDrivesTheEngine() throws Exception {
        Path model = dev.klotski.engine.TestModels.qwen3();
        Path profile = tmp.resolve("model.json");
        GenerateCommandGoldenTest.Run learned = cli("profile", "--model", model.toString(), "--new-tokens", "4",
                "--out", profile.toString());
        assertEquals(0, learned.exitCode(), learned.err());
        assertTrue(learned.out().contains("profiled 8 prompts") && learned.out().contains("3 layers x 8 experts"),
                learned.out());
        GenerateCommandGoldenTest.Run run = cli("generate", "--model", model.toString(), "--prompt", "Hello",
                "--max-new-tokens", "3", "--device-budget", "50%", "--policy", "pin", "--prefetch", "correlation",
                "--routing-profile", profile.toString());
        assertEquals(0, run.exitCode(), run.err());
        GenerateCommandGoldenTest.Run both = cli("profile", "--model", model.toString(), "--trace", tmp.toString(),
                "--out", profile.toString());
        assertTrue(both.exitCode() != 0 && both.err().contains("exactly one of --trace"), both.err());
    }
}
