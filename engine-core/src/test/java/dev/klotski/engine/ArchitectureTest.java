package dev.klotski.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Layering, checked on the source text (imports, static imports, fully qualified names and class names in
 * strings; never comments). The engine's packages form one chain, and each may use only packages to its left:
 *
 * <pre>tensor &lt;- kernel &lt;- kernel.cpu &lt;- kv &lt;- model.weights &lt;- model.layers &lt;- model.arch &lt;- model
 *        &lt;- model.quantize &lt;- offload &lt;- offload.replay &lt;- plan &lt;- generate &lt;- api &lt;- cli</pre>
 *
 * plus the leaves util and tokenizer, which any package may use (tokenizer may use util, util nothing). modelgen
 * sits beside the chain: it uses tensor, model.weights, tokenizer and util, and only cli uses it. The package
 * graph has no cycles, the Spark plugin uses only dev.klotski.engine.api (and its subpackages), and only the
 * future kernel.cuda package may use JCuda.
 */
class ArchitectureTest {
    /** The chain, lowest first; a package may use those before it. */
    static final List<String> CHAIN = List.of("tensor", "kernel", "kernel.cpu", "kv", "model.weights", "model.layers",
            "model.arch", "model", "model.quantize", "offload", "offload.replay", "plan", "generate", "api", "cli");
    /** Usable from every package; each leaf may use only the leaves before it. */
    static final List<String> LEAVES = List.of("util", "tokenizer");
    /** Packages beside the chain, with everything they may use. */
    static final Map<String, Set<String>> SIDE = Map.of("modelgen", Set.of("tensor", "model.weights", "tokenizer", "util"));
    /** Chain packages that may also use side packages. */
    static final Map<String, Set<String>> SIDE_USERS = Map.of("cli", Set.of("modelgen"));

    private static final Pattern ENGINE_REF = Pattern.compile("\\bdev\\.klotski\\.engine((?:\\.[a-z_][a-z0-9_]*)+)");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+dev\\.klotski\\.engine\\.([a-z0-9_.]+)\\s*;",
            Pattern.MULTILINE);
    private static final Pattern JCUDA = Pattern.compile("\\bjcuda\\b");

    /** One use of an engine package: file and line, the user's package and the used one. */
    record Ref(String file, int line, String from, String to) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + from + " -> " + to;
        }
    }

    // ---- the checker ----

    /** The packages {@code pkg} may use, or null when it is placed nowhere (a new package must be placed). */
    static Set<String> allowed(String pkg) {
        Set<String> out = new TreeSet<>();
        int leaf = LEAVES.indexOf(pkg);
        if (leaf >= 0) {
            out.addAll(LEAVES.subList(0, leaf));
            return out;
        }
        if (SIDE.containsKey(pkg)) {
            return new TreeSet<>(SIDE.get(pkg));
        }
        int at = CHAIN.indexOf(pkg);
        if (at < 0) {
            return null;
        }
        out.addAll(CHAIN.subList(0, at));
        out.addAll(LEAVES);
        out.addAll(SIDE_USERS.getOrDefault(pkg, Set.of()));
        return out;
    }

    /**
     * The source with comments blanked out (newlines kept, so line numbers stay right), string and character
     * literals and text blocks kept: a javadoc mention is not a dependency, a class name given to Class.forName is.
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

    /** The package a source declares under dev.klotski.engine (e.g. "model.layers"), or null. */
    static String packageOf(String source) {
        Matcher m = PACKAGE.matcher(code(source));
        return m.find() ? m.group(1) : null;
    }

    /** Every use of another engine package in one source file; {@code from} is the file's own package. */
    static List<Ref> references(String file, String from, String source) {
        List<Ref> out = new ArrayList<>();
        String[] lines = code(source).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = ENGINE_REF.matcher(lines[i]);
            while (m.find()) {
                String to = m.group(1).substring(1);
                if (!to.equals(from)) {
                    out.add(new Ref(file, i + 1, from, to));
                }
            }
        }
        return out;
    }

    /** The uses that break the chain, each with what its package may use instead. */
    static List<String> layeringViolations(List<Ref> refs) {
        List<String> out = new ArrayList<>();
        for (Ref r : refs) {
            Set<String> allowed = allowed(r.from());
            if (allowed == null) {
                out.add(r.file() + ": package " + r.from() + " has no place in the chain; add it to ArchitectureTest");
            } else if (!allowed.contains(r.to())) {
                out.add(r + " (" + r.from() + " may use only " + allowed + ")");
            }
        }
        return out;
    }

    /** The package graph: who uses whom. */
    static Map<String, Set<String>> graph(List<Ref> refs) {
        Map<String, Set<String>> g = new TreeMap<>();
        for (Ref r : refs) {
            g.computeIfAbsent(r.from(), k -> new TreeSet<>()).add(r.to());
            g.computeIfAbsent(r.to(), k -> new TreeSet<>());
        }
        return g;
    }

    /** The strongly connected components of more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new LinkedHashSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, counter, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, Set<String> onStack, int[] counter,
                                List<List<String>> out) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, counter, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                component.sort(null);
                out.add(component);
            }
        }
    }

    /** The uses of engine packages other than api (and api.*) in the Spark plugin's sources. */
    static List<Ref> beyondApi(List<Ref> refs) {
        return refs.stream().filter(r -> !r.to().equals("api") && !r.to().startsWith("api.")).toList();
    }

    // ---- reading the sources ----

    private static Path repoRoot() {
        Path root = Path.of(System.getProperty("klotski.repo.root", "."));
        if (!Files.isDirectory(root.resolve("engine-core"))) { // run from the module folder without the Maven property
            root = Path.of("..");
        }
        assertTrue(Files.isDirectory(root.resolve("engine-core")), "repository root not found: " + root.toAbsolutePath());
        return root;
    }

    private static Path engineSources() {
        Path dir = repoRoot().resolve("engine-core/src/main/java");
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

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every engine-package use in the engine's main sources, keyed by the declared package of each file. */
    private static List<Ref> engineReferences(Set<String> packagesSeen) {
        Path root = engineSources();
        List<Ref> refs = new ArrayList<>();
        for (Path f : javaFiles(root.resolve("dev/klotski/engine"))) {
            String source = read(f);
            String pkg = packageOf(source);
            assertTrue(pkg != null, root.relativize(f) + " declares no package under dev.klotski.engine");
            packagesSeen.add(pkg);
            refs.addAll(references(root.relativize(f).toString(), pkg, source));
        }
        return refs;
    }

    // ---- the checks on the real sources ----

    @Test
    void everyPackageUsesOnlyPackagesToItsLeft() {
        Set<String> seen = new TreeSet<>();
        List<Ref> refs = engineReferences(seen);
        Set<String> placed = new TreeSet<>(CHAIN);
        placed.addAll(LEAVES);
        placed.addAll(SIDE.keySet());
        Set<String> unplaced = new TreeSet<>(seen);
        unplaced.removeAll(placed);
        assertEquals(Set.of(), unplaced, "packages with no place in the chain: add them to ArchitectureTest");
        Set<String> missing = new TreeSet<>(placed);
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "packages in the chain with no sources (renamed?)");
        assertTrue(refs.size() > 50, "expected many cross-package uses, found " + refs.size());
        assertEquals(List.of(), layeringViolations(refs), "uses that point right in the chain");
    }

    @Test
    void thePackageGraphHasNoCycles() {
        Map<String, Set<String>> g = graph(engineReferences(new TreeSet<>()));
        assertTrue(g.get("model").contains("model.layers"), "the scan should see model use model.layers: " + g);
        assertEquals(List.of(), cycles(g), "package cycles in " + g);
    }

    @Test
    void sparkPluginUsesOnlyTheApi() {
        Path root = repoRoot().resolve("spark-plugin/src/main/java");
        List<Path> files = javaFiles(root);
        assertTrue(files.size() > 10, "expected the Spark plugin's sources under " + root.toAbsolutePath());
        List<Ref> refs = new ArrayList<>();
        for (Path f : files) {
            refs.addAll(references(root.relativize(f).toString(), "(spark)", read(f)));
        }
        assertTrue(refs.stream().anyMatch(r -> r.to().equals("api")), "the plugin should be seen using the api");
        assertEquals(List.of(), beyondApi(refs), "the Spark plugin may use only dev.klotski.engine.api");
    }

    @Test
    void onlyKernelCudaUsesJcuda() {
        Path root = engineSources();
        Path cuda = root.resolve("dev/klotski/engine/kernel/cuda");
        List<Path> files = javaFiles(root);
        assertTrue(files.size() > 20, "expected the engine's sources under " + root);
        List<String> violations = new ArrayList<>();
        for (Path f : files) {
            if (!f.startsWith(cuda)) {
                String[] lines = code(read(f)).split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    if (JCUDA.matcher(lines[i]).find()) {
                        violations.add(root.relativize(f) + ":" + (i + 1) + ": " + lines[i].strip());
                    }
                }
            }
        }
        assertEquals(List.of(), violations, "only dev.klotski.engine.kernel.cuda may use JCuda");
    }

    // ---- the checker on synthetic sources: a violation must fail ----

    private static List<Ref> refsOf(String source) {
        return references("X.java", packageOf(source), source);
    }

    @Test
    void theScannerSeesImportsQualifiedNamesAndStringsButNotComments() {
        String source = """
                package dev.klotski.engine.model.layers;
                import dev.klotski.engine.model.MoeModel;
                import static dev.klotski.engine.kernel.Kernels.AttentionShape;
                import dev.klotski.engine.kernel.cpu.*;
                /**
                 * See {@link dev.klotski.engine.api.KlotskiEngine}, over
                 * two lines.
                 */
                class X { // dev.klotski.engine.cli in a comment
                    Object o = new dev.klotski.engine.generate.Generator();
                    String glob = "/*"; Object p = dev.klotski.engine.kv.KvCache.class; String end = "*/";
                    Class<?> c = Class.forName("dev.klotski.engine.tokenizer.HfTokenizer");
                    Object same = dev.klotski.engine.model.layers.Linear.of(null);
                    Object other = dev.klotski.engine.modelgenerator.Y.z(); /* dev.klotski.engine.util */
                }
                """;
        assertEquals("model.layers", packageOf(source));
        List<String> seen = refsOf(source).stream().map(r -> r.line() + ":" + r.to()).toList();
        assertEquals(List.of("2:model", "3:kernel", "4:kernel.cpu", "10:generate", "11:kv", "12:tokenizer",
                "14:modelgenerator"), seen);
    }

    @Test
    void anUpwardUseFailsTheChain() {
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.model.layers;
                import dev.klotski.engine.model.MoeModel;
                import dev.klotski.engine.kv.KvCache;
                """)).size(), "model.layers may not use model");
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.generate;
                import dev.klotski.engine.api.SamplingParams;
                import dev.klotski.engine.util.Fnv1a64;
                """)).size(), "generate may not use api");
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.model.arch;
                import dev.klotski.engine.model.ModelConfigException;
                """)).size(), "model.arch may not use model");
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.kernel;
                import dev.klotski.engine.kernel.cpu.CpuKernels;
                """)).size(), "kernel may not use kernel.cpu");
        assertEquals(2, layeringViolations(refsOf("""
                package dev.klotski.engine.modelgen;
                import dev.klotski.engine.model.arch.Architectures;
                import dev.klotski.engine.model.weights.SafetensorsWriter;
                import dev.klotski.engine.tokenizer.TokenizerSpec;
                import dev.klotski.engine.api.RowSeed;
                """)).size(), "modelgen may use only tensor, model.weights, tokenizer and util");
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.tokenizer;
                import dev.klotski.engine.tensor.DType;
                """)).size(), "a leaf uses nothing from the chain");
        assertEquals(1, layeringViolations(refsOf("""
                package dev.klotski.engine.api;
                import dev.klotski.engine.modelgen.ModelSpec;
                """)).size(), "only cli may use modelgen");
        List<String> unplaced = layeringViolations(refsOf("""
                package dev.klotski.engine.pipeline;
                import dev.klotski.engine.tensor.DType;
                """));
        assertEquals(1, unplaced.size());
        assertTrue(unplaced.get(0).contains("no place in the chain"), unplaced.get(0));
        assertEquals(List.of(), layeringViolations(refsOf("""
                package dev.klotski.engine.cli;
                import dev.klotski.engine.api.KlotskiEngine;
                import dev.klotski.engine.modelgen.ModelSpec;
                import dev.klotski.engine.tokenizer.Tokenizer;
                import dev.klotski.engine.tensor.WeightFormat;
                """)), "cli may use everything to its left, the leaves and modelgen");
    }

    @Test
    void aCycleIsFound() {
        List<Ref> refs = new ArrayList<>();
        refs.addAll(refsOf("package dev.klotski.engine.model;\nimport dev.klotski.engine.model.layers.Attention;\n"));
        refs.addAll(refsOf("package dev.klotski.engine.model.layers;\nimport dev.klotski.engine.kv.KvCache;\n"));
        refs.addAll(refsOf("package dev.klotski.engine.generate;\nimport dev.klotski.engine.model.MoeModel;\n"));
        assertEquals(List.of(), cycles(graph(refs)));
        refs.addAll(refsOf("package dev.klotski.engine.kv;\nimport dev.klotski.engine.model.MoeModel;\n"));
        assertEquals(List.of(List.of("kv", "model", "model.layers")), cycles(graph(refs)));
    }

    @Test
    void aSparkUseBeyondTheApiIsFound() {
        List<Ref> refs = references("S.java", "(spark)", """
                package dev.klotski.spark.sql;
                import dev.klotski.engine.api.KlotskiEngine;
                import dev.klotski.engine.api.offload.Tier;
                import dev.klotski.engine.generate.Generator;
                import dev.klotski.engine.apiary.Bee;
                """);
        assertEquals(List.of("generate", "apiary"), beyondApi(refs).stream().map(Ref::to).toList());
    }
}
