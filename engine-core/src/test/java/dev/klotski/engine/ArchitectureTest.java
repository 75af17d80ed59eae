package dev.klotski.engine;

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
 * Layering, checked on the source text: the engine's inner packages (tensor, kernel, model, kv) never reach up
 * into the facade (api) or the command line (cli), and only the future kernel.cuda package may use JCuda.
 */
class ArchitectureTest {
    private static final List<String> INNER = List.of("tensor", "kernel", "model", "kv");
    private static final Pattern OUTER = Pattern.compile("\\bdev\\.klotski\\.engine\\.(api|cli)\\b");
    private static final Pattern JCUDA = Pattern.compile("\\bjcuda\\b");
    private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);
    private static final Pattern LINE_COMMENT = Pattern.compile("//[^\\n]*");

    private static Path sourceRoot() {
        String root = System.getProperty("klotski.repo.root", ".");
        Path dir = Path.of(root, "engine-core", "src", "main", "java");
        if (!Files.isDirectory(dir)) { // run from the module folder without the Maven property
            dir = Path.of("src", "main", "java");
        }
        assertTrue(Files.isDirectory(dir), "source folder not found: " + dir.toAbsolutePath());
        return dir;
    }

    private static List<Path> javaFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source without comments, so a javadoc mention is not a dependency. */
    static String code(String source) {
        return LINE_COMMENT.matcher(BLOCK_COMMENT.matcher(source).replaceAll(" ")).replaceAll(" ");
    }

    /** "file:line: text" for every line of the code that matches. */
    static List<String> offending(String name, String source, Pattern pattern) {
        List<String> out = new ArrayList<>();
        String[] lines = code(source).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = pattern.matcher(lines[i]);
            if (m.find()) {
                out.add(name + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        return out;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void innerPackagesDoNotDependOnApiOrCli() {
        Path base = sourceRoot().resolve("dev/klotski/engine");
        List<String> violations = new ArrayList<>();
        for (String pkg : INNER) {
            List<Path> files = javaFiles(base.resolve(pkg));
            assertTrue(!files.isEmpty(), "no sources found for package " + pkg + " under " + base);
            for (Path f : files) {
                violations.addAll(offending(base.relativize(f).toString(), read(f), OUTER));
            }
        }
        assertEquals(List.of(), violations, "inner packages must not use dev.klotski.engine.api or .cli");
    }

    @Test
    void onlyKernelCudaUsesJcuda() {
        Path root = sourceRoot();
        Path cuda = root.resolve("dev/klotski/engine/kernel/cuda");
        List<Path> files = javaFiles(root);
        assertTrue(files.size() > 20, "expected the engine's sources under " + root);
        List<String> violations = new ArrayList<>();
        for (Path f : files) {
            if (!f.startsWith(cuda)) {
                violations.addAll(offending(root.relativize(f).toString(), read(f), JCUDA));
            }
        }
        assertEquals(List.of(), violations, "only dev.klotski.engine.kernel.cuda may use JCuda");
    }

    @Test
    void theScannerSeesImportsAndQualifiedNamesButNotComments() {
        String source = """
                package dev.klotski.engine.model;
                import dev.klotski.engine.api.KlotskiEngine;
                /** See {@link dev.klotski.engine.cli.KlotskiCli}. */
                class X { // dev.klotski.engine.api in a comment
                    Object o = new dev.klotski.engine.cli.KlotskiCli();
                    jcuda.Pointer p;
                    import static dev.klotski.engine.apiary.Y; // another package, not api
                }
                """;
        List<String> outer = offending("X.java", source, OUTER);
        assertEquals(2, outer.size(), outer.toString());
        assertTrue(outer.get(0).startsWith("X.java:2:"), outer.toString());
        assertTrue(outer.get(1).startsWith("X.java:5:"), outer.toString());
        assertEquals(1, offending("X.java", source, JCUDA).size());
    }
}
