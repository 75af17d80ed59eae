package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.klotski.engine.util.Fnv1a64;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RowSeedTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fnvMatchesTheReferenceVectors() {
        // FNV-1a 64 test vectors: "" and "a".
        assertEquals(0xcbf29ce484222325L, Fnv1a64.hash(0xcbf29ce484222325L, b("")));
        assertEquals(0xaf63dc4c8601ec8cL, Fnv1a64.hash(0xcbf29ce484222325L, b("a")));
    }

    @Test
    void seedDependsOnBaseSeedPromptAndId() {
        long s = RowSeed.of(1, b("hello"), null);
        assertEquals(s, RowSeed.of(1, b("hello"), null));
        assertNotEquals(s, RowSeed.of(2, b("hello"), null));
        assertNotEquals(s, RowSeed.of(1, b("hellp"), null));
        assertNotEquals(RowSeed.of(1, b("ab"), b("c")), RowSeed.of(1, b("a"), b("bc")));
    }
}
