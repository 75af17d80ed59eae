package dev.klotski.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.klotski.engine.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation must stop at the ids generation_config.json names and at tokenizer_config.json's eos_token too:
 * for Qwen base models they differ (<|endoftext|> vs the chat template's <|im_end|>).
 */
class EndOfSequenceIdsTest {

    @Test
    void eosIdsJoinGenerationConfigAndTokenizerConfig(@TempDir Path tmp) throws IOException {
        Path model = TestModels.copy(TestModels.qwen3(), tmp.resolve("m"));
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [509, 7]}");
        try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
            int imEnd = tokenizer.encodeWithoutSpecial("<|im_end|>")[0];
            int[] ids = tokenizer.eosIds().clone();
            Arrays.sort(ids);
            int[] expected = {7, 509, imEnd};
            Arrays.sort(expected);
            assertArrayEquals(expected, ids);
        }
    }
}
