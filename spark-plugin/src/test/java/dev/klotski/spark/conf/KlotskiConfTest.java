package dev.klotski.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KlotskiConfTest {

    private static GenerateOptions resolve(Map<String, String> options, Map<String, String> conf) {
        return GenerateOptions.from(new Settings(options, conf::get));
    }

    @Test
    void optionsOverrideConfWhichOverridesDefaults() {
        GenerateOptions o = resolve(Map.of("max_new_tokens", "5"),
                Map.of("spark.klotski.model", "/m", "spark.klotski.max_new_tokens", "9", "spark.klotski.top_k", "7",
                        "spark.klotski.stop", "END|###", "spark.klotski.output", "STRUCT"));
        assertEquals(5, o.maxNewTokens());
        assertEquals(7, o.topK());
        assertEquals(List.of("END", "###"), o.stop());
        assertTrue(o.structOutput());
        assertEquals(32, o.batchRows());
        assertEquals("/m", o.engine().modelDir());
    }

    @Test
    void missingModelAndBadValuesNameTheKey() {
        Exception missing = assertThrows(IllegalArgumentException.class, () -> resolve(Map.of(), Map.of()));
        assertTrue(missing.getMessage().startsWith("spark.klotski.model is not set"), missing.getMessage());
        Exception bad = assertThrows(IllegalArgumentException.class,
                () -> resolve(Map.of("on_overflow", "drop"), Map.of("spark.klotski.model", "/m")));
        assertTrue(bad.getMessage().contains("spark.klotski.on_overflow"), bad.getMessage());
        Exception range = assertThrows(IllegalArgumentException.class,
                () -> resolve(Map.of("top_p", "0"), Map.of("spark.klotski.model", "/m")));
        assertTrue(range.getMessage().contains("top_p"), range.getMessage());
    }

    @Test
    void everyEntryIsDeclaredOnceWithADoc() {
        HashSet<String> keys = new HashSet<>();
        for (ConfEntry<?> e : KlotskiConf.entries()) {
            assertTrue(keys.add(e.key()), e.key());
            assertTrue(e.key().startsWith("spark.klotski.") && !e.doc().isBlank());
        }
        assertTrue(keys.containsAll(List.of("spark.klotski.model", "spark.klotski.batch.rows",
                "spark.klotski.batch-invariant", "spark.klotski.engine.eager", "spark.klotski.on_overflow")));
    }

    @Test
    void confFolderListsEveryEntryWithItsDefault() throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("klotski.repo.root", ".."), "conf",
                "klotski-defaults.conf");
        List<String> lines = java.nio.file.Files.readAllLines(file);
        for (ConfEntry<?> e : KlotskiConf.entries()) {
            String expected = e.required() ? "# " + e.key() : (e.key() + " " + e.defaultValue()).trim();
            boolean found = lines.stream().map(l -> l.replaceAll("\\s+", " ").trim())
                    .anyMatch(l -> e.required() ? l.startsWith(expected) : l.equals(expected));
            assertTrue(found, "conf/klotski-defaults.conf lacks '" + expected + "'");
        }
    }
}
