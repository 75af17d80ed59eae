package dev.klotski.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptFileTest {
    @TempDir
    Path tmp;

    @Test
    void plainLinesJsonlAndTheBundledSet() throws Exception {
        Path plain = Files.writeString(tmp.resolve("p.txt"), "first prompt\n\n  {not json} second\n");
        assertEquals(List.of("first prompt", "  {not json} second"), PromptFile.read(plain));
        Path jsonl = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"a\", \"id\": 1}\n{\"prompt\": \"b\\nc\"}\n");
        assertEquals(List.of("a", "b\nc"), PromptFile.read(jsonl));
        List<String> bundled = PromptFile.bundled();
        assertEquals(8, bundled.size());
        assertTrue(bundled.stream().noneMatch(String::isBlank));
    }

    @Test
    void problemsNameTheFileAndLine() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "\n  \n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PromptFile.read(empty)).getMessage()
                .contains("no prompts"));
        Path broken = Files.writeString(tmp.resolve("b.jsonl"), "{\"prompt\": \"a\"}\n{oops\n");
        String m = assertThrows(IllegalArgumentException.class, () -> PromptFile.read(broken)).getMessage();
        assertTrue(m.contains("b.jsonl line 2") && m.contains("not JSON"), m);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PromptFile.read(tmp.resolve("none")))
                .getMessage().contains("not found"));
    }
}
