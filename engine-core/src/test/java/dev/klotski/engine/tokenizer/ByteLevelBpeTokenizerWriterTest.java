package dev.klotski.engine.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteLevelBpeTokenizerWriterTest {

    private static final String VARIED = "Hello, world! naïve café 東京 Ünïcödé — “quotes” 🙂🚀👩‍👩‍👧\n"
            + "    def f(x):\n\treturn x ** 2  # tab & spaces\r\n\n\n   trailing   runs   \u00a0nbsp\u200bzwsp "
            + "e\u0301 (decomposed) 12345 67.89 $100 <tag attr=\"v\">{json: [1, 2]}</tag> ' 's 'll   ";

    @Test
    void roundTripsVariedTextExactly(@TempDir Path dir) {
        TokenizerSpec spec = ByteLevelBpeTokenizerWriter.write(dir, 1000);
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            int[] ids = tok.encode(VARIED);
            assertEquals(VARIED, tok.decode(ids));
            assertTrue(ids.length < VARIED.getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                    "merges should make it shorter than one id per byte");
            assertEquals(spec.vocabSize(), tok.vocabSize());
            for (int id : ids) {
                assertTrue(id >= 0 && id < spec.endOfTextId());
            }
        }
    }

    @Test
    void specialsAreSingleIdsAtTheEndAndConfigIsQwenStyle(@TempDir Path dir) {
        TokenizerSpec spec = ByteLevelBpeTokenizerWriter.write(dir, 700);
        assertEquals(700, spec.vocabSize());
        assertEquals(-1, spec.bosId());
        assertEquals(697, spec.endOfTextId());
        assertEquals(698, spec.imStartId());
        assertEquals(699, spec.imEndId());
        assertEquals(spec.imEndId(), spec.eosId());
        assertEquals(spec.endOfTextId(), spec.padId());
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertTrue(tok.bosId().isEmpty());
            assertArrayEquals(new int[] {699}, tok.eosIds());
            assertArrayEquals(new int[] {697}, tok.encode("<|endoftext|>"));
            int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
            assertEquals(698, ids[0]);
            assertEquals(699, ids[ids.length - 1]);
            assertTrue(tok.isSpecial(697) && tok.isSpecial(698) && tok.isSpecial(699));
            assertFalse(tok.isSpecial(300));
            assertEquals("user\nhi", tok.decode(ids));
            List<ChatMessage> chat = List.of(ChatMessage.user("hi"));
            assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                    tok.chatFormatter().format(chat, true));
            int[] chatIds = tok.encodeChat(chat, true);
            assertEquals(698, chatIds[0]);
        }
    }

    @Test
    void sameBytesEveryTime(@TempDir Path a, @TempDir Path b) throws Exception {
        ByteLevelBpeTokenizerWriter.write(a, 900);
        ByteLevelBpeTokenizerWriter.write(b, 900);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
    }

    @Test
    void largeVocabIsPaddedWithReservedTokensBeforeTheSpecials(@TempDir Path dir) {
        TokenizerSpec spec = ByteLevelBpeTokenizerWriter.write(dir, 8192);
        assertEquals(8189, spec.endOfTextId());
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertEquals(8192, tok.vocabSize());
            assertEquals(VARIED, tok.decode(tok.encode(VARIED)));
        }
    }

    @Test
    void smallestVocabIsBytesPlusSpecials(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelBpeTokenizerWriter.write(dir, 258));
        ByteLevelBpeTokenizerWriter.write(dir, 259);
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertEquals("ab", tok.decode(tok.encode("ab")));
            assertEquals(2, tok.encode("ab").length);
        }
    }
}
