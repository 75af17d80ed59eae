package dev.klotski.spark.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Every {@code spark.klotski.*} setting, declared once with its type, default and doc. */
public final class KlotskiConf {
    private static final Map<String, ConfEntry<?>> ENTRIES = new LinkedHashMap<>();

    public static final ConfEntry<String> MODEL = add("model", s -> requireText(s), null,
            "the model folder (config.json, safetensors, tokenizer.json) every executor loads");
    public static final ConfEntry<Integer> MAX_NEW_TOKENS = add("max_new_tokens", Integer::parseInt, "64",
            "new tokens generated per row at most");
    public static final ConfEntry<Float> TEMPERATURE = add("temperature", Float::parseFloat, "0",
            "sampling temperature; 0 is greedy");
    public static final ConfEntry<Integer> TOP_K = add("top_k", Integer::parseInt, "0",
            "keep the K most likely tokens (0 = no limit)");
    public static final ConfEntry<Float> TOP_P = add("top_p", Float::parseFloat, "1",
            "nucleus sampling mass (1 = no limit)");
    public static final ConfEntry<Long> SEED = add("seed", Long::parseLong, "0",
            "base seed; each row's seed mixes it with the row's prompt (and id column)");
    public static final ConfEntry<List<String>> STOP = add("stop", KlotskiConf::parseStops, "",
            "stop strings, separated by '|' (empty = none)");
    public static final ConfEntry<Boolean> CHAT = add("chat", KlotskiConf::parseBoolean, "false",
            "wrap each prompt in the model's chat template");
    public static final ConfEntry<String> SYSTEM = add("system", s -> s, "",
            "a system message placed before each prompt when chat is on (empty = none)");
    public static final ConfEntry<String> ON_OVERFLOW = add("on_overflow", s -> oneOf(s, "error", "truncate"),
            "error", "a prompt longer than the context: 'error' fails naming the row, 'truncate' keeps its end");
    public static final ConfEntry<Integer> BATCH_ROWS = add("batch.rows", s -> positive(Integer.parseInt(s)), "32",
            "rows per engine call (one multi-batch)");
    public static final ConfEntry<Boolean> BATCH_INVARIANT = add("batch-invariant", KlotskiConf::parseBoolean,
            "true", "fixed-order kernels, so a row's output never depends on the batch it ran in");
    public static final ConfEntry<String> OUTPUT = add("output", s -> oneOf(s, "string", "struct"), "string",
            "'string' (the text) or 'struct' (text, prompt_tokens, generated_tokens, finish_reason, latency_ms)");
    public static final ConfEntry<String> ID_COLUMN = add("id_column", s -> s, "",
            "a column mixed into each row's seed besides the prompt (empty = prompt only)");
    public static final ConfEntry<Boolean> ENGINE_EAGER = add("engine.eager", KlotskiConf::parseBoolean, "false",
            "load the engine when the executor starts instead of on the first batch");
    public static final ConfEntry<Integer> ENGINE_THREADS = add("engine.threads", Integer::parseInt, "0",
            "compute threads per engine (0 = the engine's default, all cores of the executor JVM)");
    public static final ConfEntry<String> ENGINE_FACTORY = add("engine.factory", s -> s,
            "dev.klotski.spark.plugin.KlotskiEngineFactory",
            "class that opens the engine (an EngineFactory); swap it only to test or to wrap the engine");

    private KlotskiConf() {
    }

    /** All entries in declaration order (used for docs and validation). */
    public static List<ConfEntry<?>> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** Rejects option names that are not settings, so a typo does not pass silently. */
    public static void checkOptionNames(Map<String, String> options) {
        for (String k : options.keySet()) {
            if (!ENTRIES.containsKey(k)) {
                throw new IllegalArgumentException("unknown moe_generate option '" + k + "'; known: " + ENTRIES.keySet());
            }
        }
    }

    private static <T> ConfEntry<T> add(String name, Function<String, T> parser, String def, String doc) {
        ConfEntry<T> e = new ConfEntry<>(name, parser, def, doc);
        ENTRIES.put(name, e);
        return e;
    }

    private static String requireText(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return s;
    }

    private static int positive(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("must be >= 1");
        }
        return n;
    }

    private static boolean parseBoolean(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("expected true or false");
    }

    private static String oneOf(String s, String... allowed) {
        String v = s.toLowerCase(Locale.ROOT);
        if (!Arrays.asList(allowed).contains(v)) {
            throw new IllegalArgumentException("expected one of " + Arrays.toString(allowed));
        }
        return v;
    }

    private static List<String> parseStops(String s) {
        if (s.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>();
        for (String part : s.split("\\|")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }
}
