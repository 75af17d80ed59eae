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

    private static String badValue(String option, String value) {
        return assertThrows(IllegalArgumentException.class,
                () -> resolve(Map.of(option, value), Map.of("spark.klotski.model", "/m"))).getMessage();
    }

    @Test
    void aValueOfTheWrongTypeNamesTheOptionAndWhatItAllows() {
        assertEquals("bad value for option 'max_new_tokens' (conf spark.klotski.max_new_tokens): 'lots' is not an "
                + "integer; allowed: an integer >= 0", badValue("max_new_tokens", "lots"));
        assertTrue(badValue("temperature", "warm").contains("'warm' is not a number; allowed: a number >= 0"));
        assertTrue(badValue("chat", "yes").contains("option 'chat'") && badValue("chat", "yes").contains("true or false"));
        assertTrue(badValue("seed", "1.5").contains("not an integer"));
        for (String notDecimal : List.of("NaN", "Infinity", "0x1p-1", "0.5f")) {
            assertTrue(badValue("top_p", notDecimal).contains("is not a number"), notDecimal);
        }
    }

    @Test
    void aValueOutOfRangeNamesTheOptionAndTheRange() {
        assertEquals("bad value for option 'top_p' (conf spark.klotski.top_p): '1.5' is out of range; allowed: a "
                + "number in (0, 1]", badValue("top_p", "1.5"));
        assertTrue(badValue("max_new_tokens", "-1").contains("'-1' is out of range; allowed: an integer >= 0"));
        assertTrue(badValue("batch.rows", "0").contains("allowed: an integer in [1, 100000]"));
        assertTrue(badValue("batch.rows", "2147483647").contains("allowed: an integer in [1, 100000]"));
        assertTrue(badValue("temperature", "-0.1").contains("out of range"));
        assertTrue(badValue("top_k", "-3").contains("option 'top_k'"));
        assertTrue(badValue("on_error", "skip").contains("allowed: one of fail, null"));
        assertTrue(badValue("output", "json").contains("allowed: one of string, struct"));
        assertTrue(badValue("engine.threads", "-1").contains("option 'engine.threads'"));
        assertTrue(badValue("max_new_tokens", "99999999999").contains("out of range"));
        assertTrue(badValue("seed", "9223372036854775808").contains("out of range"));
        assertTrue(badValue("seed", "1e999999999").contains("out of range"));
        assertEquals(2, resolve(Map.of("max_new_tokens", "2.0"), Map.of("spark.klotski.model", "/m")).maxNewTokens(),
                "SQL map values are decimals: 2 arrives as 2.0");
    }

    @Test
    void goodValuesParse() {
        GenerateOptions o = resolve(Map.of("temperature", " 0.7 ", "top_p", "1", "chat", "TRUE", "on_error", "Null",
                "max_new_tokens", "0", "batch.rows", "100000", "seed", "-9223372036854775808"),
                Map.of("spark.klotski.model", "/m"));
        assertEquals(0.7f, o.temperature());
        assertTrue(o.chat() && o.nullOnError());
        assertEquals(0, o.maxNewTokens());
        assertEquals(Long.MIN_VALUE, o.seed());
        assertTrue(!resolve(Map.of(), Map.of("spark.klotski.model", "/m")).nullOnError(), "on_error defaults to fail");
    }

    @Test
    void unknownAndNullOptionsAreRefusedNamingTheValidOnes() {
        String unknown = assertThrows(IllegalArgumentException.class,
                () -> KlotskiConf.checkOptions(Map.of("max_new_token", "3"))).getMessage();
        assertTrue(unknown.startsWith("unknown moe_generate option 'max_new_token' (did you mean 'max_new_tokens'?);"
                + " valid options: model, max_new_tokens, temperature"), unknown);
        assertTrue(unknown.contains("on_error") && unknown.contains("batch.rows"), unknown);
        String far = assertThrows(IllegalArgumentException.class,
                () -> KlotskiConf.checkOptions(Map.of("colour", "red"))).getMessage();
        assertTrue(far.startsWith("unknown moe_generate option 'colour'; valid options:"), far);
        java.util.Map<String, String> withNull = new java.util.HashMap<>();
        withNull.put("seed", null);
        String nul = assertThrows(IllegalArgumentException.class, () -> KlotskiConf.checkOptions(withNull)).getMessage();
        assertTrue(nul.contains("option 'seed' is null") && nul.contains("an integer in"), nul);
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
