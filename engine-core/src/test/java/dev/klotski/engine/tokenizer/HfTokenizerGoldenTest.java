package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real Mistral/Mixtral tokenizer of shared/golden/tiny-mixtral against ids and text from llama.cpp and HF. */
class HfTokenizerGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;
    private static HfTokenizer tok;

    @BeforeAll
    static void load() {
        dir = Path.of(System.getProperty("klotski.repo.root", "."), "..", "shared", "golden", "tiny-mixtral")
                .normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir), "shared golden models not present at " + dir);
        tok = HfTokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        if (tok != null) {
            tok.close();
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static List<JsonNode> prompts() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(dir.resolve("golden.json").toFile()).path("prompts").forEach(out::add);
        assertFalse(out.isEmpty());
        return out;
    }

    @Test
    void configValues() {
        assertEquals(1, tok.bosId().getAsInt());
        assertTrue(tok.addsBos());
        assertArrayEquals(new int[] {2}, tok.eosIds());
        assertEquals(32000, tok.vocabSize());
        assertTrue(tok.isSpecial(0) && tok.isSpecial(1) && tok.isSpecial(2));
        assertFalse(tok.isSpecial(22557));
    }

    @Test
    void promptIdsMatchGolden() throws Exception {
        for (JsonNode p : prompts()) {
            assertArrayEquals(ints(p.get("prompt_ids")), tok.encode(p.get("text").asText()), p.get("name").asText());
        }
    }

    @Test
    void tokenizerCasesMatchHf() throws Exception {
        JsonNode cases = JSON.readTree(dir.resolve("tokenizer_golden.json").toFile()).path("cases");
        assertEquals(49, cases.size());
        for (JsonNode c : cases) {
            assertArrayEquals(ints(c.get("ids_hf_js")), tok.encode(c.get("text").asText()),
                    c.get("name").asText() + ": " + c.get("text").asText());
        }
    }

    @Test
    void decodeMatchesHfDecode() throws Exception {
        for (JsonNode p : prompts()) {
            String name = p.get("name").asText();
            int[] prompt = ints(p.get("prompt_ids"));
            int[] gen = ints(p.get("generated_ids"));
            assertEquals(p.get("generated_text_hf_decode").asText(), tok.decode(gen), name + " generated");
            int[] all = new int[prompt.length + gen.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(gen, 0, all, prompt.length, gen.length);
            assertEquals(p.get("full_text_hf_decode_skip_special").asText(), tok.decode(all), name + " full");
        }
    }

    @Test
    void specialTokensInTextAreParsedAndSkippedOnDecode() {
        assertArrayEquals(new int[] {1, 1, 22557, 2}, tok.encode("<s>Hello</s>"));
        assertArrayEquals(new int[] {1, 22557, 2}, tok.encodeWithoutSpecial("<s>Hello</s>"));
        assertEquals("Hello", tok.decode(new int[] {1, 22557, 2}));
    }

    @Test
    void byteFallbackDecodesToBytes() {
        // <0x0A> is id 13: a newline; "▁Hello" then "\n" then "world".
        assertEquals("Hello\nworld", tok.decode(new int[] {22557, 13, 9471}));
    }

    @Test
    void invalidByteRunsBecomeOneReplacementPerByte() {
        // Byte-fallback ids are 3 + byte. The golden decodes (from transformers.js) only contain single stray
        // bytes, where every decoder agrees. For longer runs the Rust library (what Python transformers' fast
        // tokenizer and DJL run) differs from transformers.js: its ByteFallback decoder tries the whole run of
        // consecutive byte tokens as UTF-8 and, if that fails, emits one U+FFFD per byte, even for the valid
        // prefix; transformers.js uses TextDecoder (one U+FFFD per maximal invalid subsequence). We keep the
        // Rust behaviour, which is the reference implementation, and pin it here.
        int[] eastThenStray = {3 + 0xE6, 3 + 0x9D, 3 + 0xB1, 3 + 0xCA};
        assertEquals("\uFFFD".repeat(4), tok.decode(eastThenStray));
        assertEquals("\u6771", tok.decode(new int[] {3 + 0xE6, 3 + 0x9D, 3 + 0xB1}));
        assertEquals("\uFFFD", tok.decode(new int[] {3 + 0xCA}));
    }

    @Test
    void longTextIsNotTruncated() {
        String text = "word ".repeat(3000);
        assertTrue(tok.encode(text).length > 3000);
    }

    @Test
    void concurrentEncodeAgreesWithSerial() throws Exception {
        List<JsonNode> prompts = prompts();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int r = 0; r < 200; r++) {
                JsonNode p = prompts.get(r % prompts.size());
                results.add(pool.submit(() -> {
                    int[] ids = tok.encode(p.get("text").asText());
                    return java.util.Arrays.equals(ints(p.get("prompt_ids")), ids)
                            && tok.decode(ids).equals(p.get("text").asText());
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void chatEncodingWithMixtralTemplateHasExactlyOneBos(@org.junit.jupiter.api.io.TempDir Path model)
            throws Exception {
        Files.copy(dir.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        com.fasterxml.jackson.databind.node.ObjectNode config =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json")
                        .toFile());
        config.put("chat_template", ChatFormatterTest.MIXTRAL);
        JSON.writeValue(model.resolve("tokenizer_config.json").toFile(), config);
        try (HfTokenizer chat = HfTokenizer.load(model)) {
            List<ChatMessage> messages = List.of(ChatMessage.user("Hello"));
            int[] ids = chat.encodeChat(messages, true);
            assertEquals(1, ids[0]);
            assertTrue(ids[1] != 1, "a second BOS");
            // Same ids as HF's apply_chat_template(tokenize=True), which encodes without adding specials.
            assertArrayEquals(chat.encodeWithoutSpecial("<s> [INST] Hello [/INST]"), ids);
            assertEquals(" [INST] Hello [/INST]", chat.decode(ids));
        }
    }

    @Test
    void noChatTemplateIsAClearError() {
        UnsupportedChatTemplateException e = assertThrows(UnsupportedChatTemplateException.class, tok::chatFormatter);
        assertTrue(e.getMessage().contains("run without --chat"), e.getMessage());
    }

    @Test
    void missingTokenizerJsonNamesPathAndFix(@org.junit.jupiter.api.io.TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(empty));
        assertTrue(e.getMessage().contains(empty.resolve("tokenizer.json").toAbsolutePath().toString()));
        assertTrue(e.getMessage().contains("save_pretrained"));
    }
}
