package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.RequestOutcome.Failed;
import dev.klotski.engine.api.RequestOutcome.Failure;
import dev.klotski.engine.api.RequestOutcome.Generated;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generateEach reports each request's problem in its own outcome and generates the rest exactly as they would
 * be generated without the bad ones; generate keeps throwing for the first bad request. Bad and hostile inputs
 * on a 64-token context: what is refused, and what is generated as usual.
 */
class RequestOutcomeTest {
    private static final int CONTEXT = 64;

    @TempDir
    static Path tmp;
    private static KlotskiEngine engine;

    @BeforeAll
    static void open() {
        Path dir = TestModels.copy(TestModels.qwen3(), tmp.resolve("qwen3-ctx64"));
        TestModels.editJson(dir, "config.json", Map.of("max_position_embeddings", CONTEXT));
        TestModels.editJson(dir, "tokenizer_config.json", Map.of("add_bos_token", true, "bos_token", "<|endoftext|>"));
        engine = KlotskiEngine.open(EngineOptions.builder(dir).optBatchInvariant(true).optThreads(1).build());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static GenerationRequest text(String prompt, int maxNew) {
        return GenerationRequest.ofText(prompt, new SamplingParams(maxNew, 0.8f, 0, 1f, prompt.length(), List.of(), 0));
    }

    private static GenerationRequest ids(int length, int maxNew) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 100 + i % 300;
        }
        return GenerationRequest.ofIds(ids, SamplingParams.GREEDY.withMaxNewTokens(maxNew));
    }

    private static GenerationResult generated(RequestOutcome o) {
        return assertInstanceOf(Generated.class, o, String.valueOf(o)).result();
    }

    private static Failed failed(RequestOutcome o, Failure failure, String... parts) {
        Failed f = assertInstanceOf(Failed.class, o, String.valueOf(o));
        assertEquals(failure, f.failure(), f.message());
        for (String part : parts) {
            assertTrue(f.message().contains(part), "message should mention '" + part + "': " + f.message());
        }
        return f;
    }

    private static final String MIB = "All work and no play makes Jack a dull boy. ".repeat((1 << 20) / 44);

    @Test
    void badRequestsFailAloneAndTheirBatchMatesAreGeneratedAsUsual() {
        List<GenerationRequest> good = List.of(text("Hello there", 8), ids(20, 5), text("   ", 4));
        List<GenerationRequest> batch = new ArrayList<>();
        batch.add(good.get(0));
        batch.add(text(MIB, 4));                                                    // far too long
        batch.add(good.get(1));
        batch.add(text("broken \uD800 text", 4));                                   // unpaired surrogate
        batch.add(GenerationRequest.ofIds(new int[] {5, 99_999}, SamplingParams.GREEDY.withMaxNewTokens(2))); // outside the vocabulary
        batch.add(text("fine", Integer.MAX_VALUE));                                 // max_new_tokens huge
        batch.add(good.get(2));
        List<RequestOutcome> out = engine.generateEach(batch);
        assertEquals(batch.size(), out.size());

        List<GenerationResult> alone = engine.generate(good);
        for (int[] pair : new int[][] {{0, 0}, {2, 1}, {6, 2}}) {
            GenerationResult r = generated(out.get(pair[0]));
            assertArrayEquals(alone.get(pair[1]).outputIds(), r.outputIds(), "request " + pair[0]);
            assertEquals(alone.get(pair[1]).text(), r.text());
        }
        Failed tooLong = failed(out.get(1), Failure.PROMPT_TOO_LONG, "tokens and asks for 4 new tokens",
                "context holds " + CONTEXT, "truncate");
        assertTrue(!tooLong.message().startsWith("request"), "the index is the caller's to report: " + tooLong.message());
        failed(out.get(3), Failure.INVALID_PROMPT, "unpaired UTF-16 surrogate (U+D800) at char 7");
        failed(out.get(4), Failure.INVALID_PROMPT, "token id 99999", "outside the model's vocabulary");
        failed(out.get(5), Failure.PROMPT_TOO_LONG, "max_new_tokens 2147483647", "leaves no room");
    }

    @Test
    void generateStillThrowsForTheFirstBadRequest() {
        PromptTooLongException e = assertThrows(PromptTooLongException.class,
                () -> engine.generate(List.of(text("ok", 2), text(MIB, 4))));
        assertEquals(1, e.requestIndex());
        assertTrue(e.getMessage().startsWith("request 1: prompt has "), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> engine.generate(List.of(text("\uDC00", 2))));
        assertTrue(bad.getMessage().startsWith("request 0: the prompt has an unpaired"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> engine.generate(List.of(
                GenerationRequest.ofText("x", SamplingParams.GREEDY).withChat(true).withSystem("\uD83D"))),
                "a system message is checked too");
    }

    @Test
    void oddButValidTextIsGenerated() {
        List<String> prompts = List.of("   ", "\t\n\r", "nul \u0000 bel \u0007 esc \u001b[31m del \u007f",
                "next line \u0085 line sep \u2028 bom \uFEFF", "emoji \uD83D\uDE00 and CJK \u6771\u4EAC", "\uFFFF");
        List<RequestOutcome> out = engine.generateEach(prompts.stream().map(p -> text(p, 3)).toList());
        for (int i = 0; i < prompts.size(); i++) {
            GenerationResult r = generated(out.get(i));
            assertTrue(r.promptIds().length >= 2, "BOS plus the text's tokens: " + prompts.get(i));
            assertEquals(r.outputIds().length, r.stats().generatedTokens());
        }
    }

    @Test
    void aPromptThatFillsTheContextExactlyFitsAndOneMoreTokenDoesNot() {
        List<RequestOutcome> out = engine.generateEach(List.of(ids(CONTEXT - 4, 4), ids(CONTEXT - 3, 4),
                ids(CONTEXT, 0), ids(CONTEXT - 1, 1)));
        GenerationResult exact = generated(out.get(0));
        assertEquals(CONTEXT - 4, exact.promptIds().length);
        assertTrue(exact.outputIds().length >= 1 && exact.outputIds().length <= 4);
        failed(out.get(1), Failure.PROMPT_TOO_LONG, "prompt has 61 tokens and asks for 4");
        GenerationResult full = generated(out.get(2));
        assertEquals(0, full.outputIds().length, "max_new_tokens 0 with a full context generates nothing");
        assertEquals(FinishReason.LENGTH, full.finishReason());
        assertEquals(1, generated(out.get(3)).outputIds().length, "the last position of the context is used");
    }

    @Test
    void maxNewTokensZeroGivesEmptyText() {
        GenerationResult r = generated(engine.generateEach(List.of(text("Hello", 0))).get(0));
        assertEquals("", r.text());
        assertEquals(0, r.outputIds().length);
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void aMebibytePromptIsCutToItsEndWhenAskedTo() {
        GenerationRequest truncated = text(MIB, 4).withOverflow(OverflowPolicy.TRUNCATE);
        GenerationResult r = generated(engine.generateEach(List.of(truncated)).get(0));
        int[] all = engine.tokenizer().encode(MIB);
        assertEquals(CONTEXT - 4, r.promptIds().length);
        assertEquals(all[0], r.promptIds()[0], "BOS kept");
        assertArrayEquals(java.util.Arrays.copyOfRange(all, all.length - (CONTEXT - 5), all.length),
                java.util.Arrays.copyOfRange(r.promptIds(), 1, CONTEXT - 4), "the prompt's last tokens");
    }
}
