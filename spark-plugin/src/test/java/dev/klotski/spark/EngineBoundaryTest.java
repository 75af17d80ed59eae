package dev.klotski.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The plugin talks to the engine only through its facade package, dev.klotski.engine.api (and its
 * subpackages): imports, static imports, fully qualified names and class names in strings count, comments do not.
 */
class EngineBoundaryTest {
    private static final Pattern ENGINE_REF = Pattern.compile("\\bdev\\.klotski\\.engine((?:\\.[a-z_][a-z0-9_]*)+)");

    /**
     * The source with comments blanked out (newlines kept, so line numbers stay right) and string literals kept:
     * the same small lexer as the engine's ArchitectureTest.
     */
    static String code(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                while (i < n && s.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) {
                    out.append(s.charAt(i) == '\n' ? '\n' : ' ');
                }
            } else if (s.startsWith("\"\"\"", i)) {
                out.append("\"\"\"");
                i += 3;
                while (i < n && !s.startsWith("\"\"\"", i)) {
                    int step = s.charAt(i) == '\\' && i + 1 < n ? 2 : 1;
                    out.append(s, i, i + step);
                    i += step;
                }
                if (i < n) {
                    out.append("\"\"\"");
                    i += 3;
                }
            } else if (c == '"' || c == '\'') {
                out.append(c);
                i++;
                while (i < n && s.charAt(i) != c && s.charAt(i) != '\n') {
                    int step = s.charAt(i) == '\\' && i + 1 < n ? 2 : 1;
                    out.append(s, i, i + step);
                    i += step;
                }
                if (i < n) {
                    out.append(s.charAt(i));
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** "file:line: package" for every use of an engine package other than api and api.*. */
    static List<String> beyondApi(String file, String source) {
        List<String> out = new ArrayList<>();
        String[] lines = code(source).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = ENGINE_REF.matcher(lines[i]);
            while (m.find()) {
                String pkg = m.group(1).substring(1);
                if (!pkg.equals("api") && !pkg.startsWith("api.")) {
                    out.add(file + ":" + (i + 1) + ": " + pkg);
                }
            }
        }
        return out;
    }

    @Test
    void pluginUsesOnlyTheEngineApi() throws IOException {
        Path src = Path.of(System.getProperty("klotski.repo.root", ".."), "spark-plugin", "src", "main", "java");
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                files++;
                try {
                    bad.addAll(beyondApi(src.relativize(p).toString(), Files.readString(p)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        assertTrue(files > 10, "expected the plugin's sources under " + src.toAbsolutePath());
        assertEquals(List.of(), bad, "the Spark plugin may use only dev.klotski.engine.api");
    }

    @Test
    void theCheckFlagsEveryUseBeyondTheApi() {
        String source = """
                package dev.klotski.spark.sql;
                import dev.klotski.engine.api.KlotskiEngine;
                import dev.klotski.engine.api.offload.Tier;
                import dev.klotski.engine.generate.Generator;
                import static dev.klotski.engine.model.ModelLoader.load;
                /** {@link dev.klotski.engine.kv.KvCache}
                 * over two lines */
                class S { // dev.klotski.engine.cli in a comment
                    Object o = new dev.klotski.engine.apiary.Bee();
                    String s = "dev.klotski.engine.tokenizer.HfTokenizer"; // a class name for reflection counts
                    String glob = "/*"; Object k = dev.klotski.engine.kernel.Kernels.class; String end = "*/";
                }
                """;
        assertEquals(List.of("S.java:4: generate", "S.java:5: model", "S.java:9: apiary", "S.java:10: tokenizer",
                "S.java:11: kernel"),
                beyondApi("S.java", source));
    }
}
