package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How requests become prompts: context overflow (fail or truncate), impossible max_new_tokens, bad ids, empty
 * prompts and chat formatting. Uses tiny-qwen3-moe with a 32-token context and a BOS token added, so that
 * truncation can be seen keeping the BOS.
 */
class PromptHandlingTest {
    private static final int CONTEXT = 32;
    private static final int BOS = 509; // <|endoftext|>
    private static final int IM_START = 510;
    private static final String LONG_TEXT = "Once upon a time, in a small village by the sea, there lived an old "
            + "fisherman who went out every morning before dawn and came back every evening after dusk.";

    @TempDir
    static Path tmp;
    private static KlotskiEngine engine;

    @BeforeAll
    static void open() {
        Path dir = TestModels.copy(TestModels.qwen3(), tmp.resolve("qwen3-ctx32"));
        TestModels.editJson(dir, "config.json", Map.of("max_position_embeddings", CONTEXT));
        TestModels.editJson(dir, "tokenizer_config.json", Map.of("add_bos_token", true, "bos_token", "<|endoftext|>"));
        engine = KlotskiEngine.open(EngineOptions.builder(dir).optBatchInvariant(true).optThreads(1).build());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static SamplingParams greedy(int maxNew) {
        return SamplingParams.GREEDY.withMaxNewTokens(maxNew);
    }

    @Test
    void theFixtureAddsBosAndHasAShortContext() {
        assertEquals(CONTEXT, engine.contextLength());
        int[] ids = engine.tokenizer().encode(LONG_TEXT);
        assertEquals(BOS, ids[0]);
        assertTrue(ids.length > CONTEXT, "the long text must overflow: " + ids.length + " tokens");
    }

    @Test
    void overflowWithFailNamesTheRequestAndTheWayOut() {
        List<GenerationRequest> batch = List.of(GenerationRequest.ofText("Hi", greedy(4)),
                GenerationRequest.ofText(LONG_TEXT, greedy(4)));
        long callsBefore = engine.metrics().generateCalls();
        PromptTooLongException e = assertThrows(PromptTooLongException.class, () -> engine.generate(batch));
        assertEquals(1, e.requestIndex());
        assertTrue(e.getMessage().startsWith("request 1:"), e.getMessage());
        assertTrue(e.getMessage().contains("on_overflow=truncate"), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(CONTEXT)), e.getMessage());
        assertEquals(callsBefore, engine.metrics().generateCalls(), "a refused batch runs nothing");
        // Exactly full is fine: prompt + max_new_tokens == context.
        int[] exact = IntStream.range(0, CONTEXT - 4).map(i -> 100 + i).toArray();
        assertEquals(4, engine.generate(List.of(GenerationRequest.ofIds(exact, greedy(4)))).get(0).outputIds().length);
        int[] over = IntStream.range(0, CONTEXT - 3).map(i -> 100 + i).toArray();
        assertThrows(PromptTooLongException.class, () -> engine.generate(List.of(GenerationRequest.ofIds(over, greedy(4)))));
    }

    @Test
    void truncateKeepsBosAndTheLastTokensAndStillGenerates() {
        int[] ids = engine.tokenizer().encode(LONG_TEXT);
        int maxNew = 5;
        GenerationResult r = engine.generate(List.of(
                GenerationRequest.ofText(LONG_TEXT, greedy(maxNew)).withOverflow(OverflowPolicy.TRUNCATE))).get(0);
        int keep = CONTEXT - maxNew;
        int[] expected = new int[keep];
        expected[0] = BOS;
        System.arraycopy(ids, ids.length - (keep - 1), expected, 1, keep - 1);
        assertArrayEquals(expected, r.promptIds());
        assertEquals(maxNew, r.outputIds().length);
        assertEquals(FinishReason.LENGTH, r.finishReason());
        // The truncated prompt generates exactly what that prompt generates when given directly.
        GenerationResult direct = engine.generate(List.of(GenerationRequest.ofIds(expected, greedy(maxNew)))).get(0);
        assertArrayEquals(direct.outputIds(), r.outputIds());
    }

    @Test
    void truncateWithoutBosKeepsJustTheLastTokens() {
        int[] ids = IntStream.range(0, 50).map(i -> 200 + i).toArray();
        GenerationResult r = engine.generate(List.of(
                GenerationRequest.ofIds(ids, greedy(2)).withOverflow(OverflowPolicy.TRUNCATE))).get(0);
        assertArrayEquals(Arrays.copyOfRange(ids, 50 - (CONTEXT - 2), 50), r.promptIds());
        assertEquals(2, r.outputIds().length);
    }

    @Test
    void maxNewTokensFillingTheContextIsAClearError() {
        for (int maxNew : new int[] {CONTEXT, CONTEXT + 100}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(
                    GenerationRequest.ofText("Hi", greedy(maxNew)).withOverflow(OverflowPolicy.TRUNCATE))));
            assertTrue(e.getMessage().contains("max_new_tokens " + maxNew), e.getMessage());
            assertTrue(e.getMessage().contains("context of " + CONTEXT), e.getMessage());
        }
    }

    @Test
    void outOfVocabularyIdIsAClearError() {
        int vocab = engine.modelConfig().vocabSize();
        for (int bad : new int[] {vocab, -1, Integer.MAX_VALUE}) {
            List<GenerationRequest> batch = List.of(GenerationRequest.ofIds(new int[] {1, 2}, greedy(2)),
                    GenerationRequest.ofIds(new int[] {3, bad, 4}, greedy(2)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.generate(batch));
            assertTrue(e.getMessage().contains("request 1"), e.getMessage());
            assertTrue(e.getMessage().contains("token id " + bad), e.getMessage());
            assertTrue(e.getMessage().contains("[0, " + vocab + ")"), e.getMessage());
        }
    }

    @Test
    void emptyPromptIdsAreAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.generate(List.of(GenerationRequest.ofIds(new int[0], greedy(2)))));
        assertTrue(e.getMessage().contains("request 0") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void emptyTextOnAModelWithoutBosIsAClearError() {
        Path dir = TestModels.make(tmp.resolve("no-bos"), TestModels.spec("olmoe", 32, 1));
        try (KlotskiEngine noBos = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            assertTrue(noBos.tokenizer().bosId().isEmpty(), "make-model tokenizers have no BOS");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> noBos.generate(List.of(GenerationRequest.ofText("", greedy(2)))));
            assertTrue(e.getMessage().contains("request 0"), e.getMessage());
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
        // With a BOS the empty prompt is just [BOS], and generation works.
        GenerationResult r = engine.generate(List.of(GenerationRequest.ofText("", greedy(3)))).get(0);
        assertArrayEquals(new int[] {BOS}, r.promptIds());
        assertEquals(3, r.outputIds().length);
    }

    @Test
    void chatFormatsWithChatMl() {
        GenerationResult r = engine.generate(List.of(
                GenerationRequest.ofText("What is the capital of France?", greedy(2)).withChat(true))).get(0);
        assertTrue(Arrays.stream(r.promptIds()).anyMatch(id -> id == IM_START), Arrays.toString(r.promptIds()));
        int[] expected = engine.tokenizer().encodeChat(
                List.of(new ChatMessage("user", "What is the capital of France?")), true);
        assertArrayEquals(expected, r.promptIds());
        String shown = engine.tokenizer().decode(r.promptIds());
        assertTrue(shown.contains("user\nWhat is the capital of France?"), shown);
        // Plain text of the same words has no chat markers.
        GenerationResult plain = engine.generate(List.of(
                GenerationRequest.ofText("What is the capital of France?", greedy(2)))).get(0);
        assertTrue(Arrays.stream(plain.promptIds()).noneMatch(id -> id == IM_START));
    }

    @Test
    void chatSystemMessageComesFirst() {
        // No new tokens: this test model's context is only 32 tokens, and the template alone takes most of them.
        GenerationResult r = engine.generate(List.of(GenerationRequest.ofText("Hi", greedy(0)).withChat(true)
                .withSystem("Be brief."))).get(0);
        String shown = engine.tokenizer().decode(r.promptIds());
        assertTrue(shown.indexOf("system\nBe brief.") >= 0 && shown.indexOf("system\nBe brief.") < shown.indexOf("user\nHi"),
                shown);
        IllegalArgumentException noChat = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.ofText("Hi", greedy(2)).withSystem("Be brief."));
        assertTrue(noChat.getMessage().contains("turn chat on"), noChat.getMessage());
    }

    @Test
    void aTokenizerIdBeyondTheModelsVocabularyNamesTheMismatch() throws Exception {
        // A tokenizer.json that gives "a" an id past config.json's vocab_size loads; its prompts are refused,
        // saying which files disagree (the message was the same as for a bad id the caller gave).
        Path dir = TestModels.copy(TestModels.qwen3(), tmp.resolve("qwen3-far-id"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(dir.resolve("tokenizer.json").toFile());
        ((ObjectNode) root.get("model").get("vocab")).put("a", 100_000);
        json.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        try (KlotskiEngine far = KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> far.generate(List.of(GenerationRequest.ofText("a", greedy(1)))));
            assertTrue(e.getMessage().contains("token id 100000") && e.getMessage().contains("tokenizer.json")
                    && e.getMessage().contains("vocab_size"), e.getMessage());
            IllegalArgumentException given = assertThrows(IllegalArgumentException.class,
                    () -> far.generate(List.of(GenerationRequest.ofIds(new int[] {100_000}, greedy(1)))));
            assertFalse(given.getMessage().contains("tokenizer.json"), given.getMessage());
        }
    }
}
