package dev.klotski.spark.conf;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every {@code spark.klotski.*} setting, declared once with its type, default and doc. */
public final class KlotskiConf {
    private static final Map<String, ConfEntry<?>> ENTRIES = new LinkedHashMap<>();
    /** More rows than this in one call only holds memory longer; it is a typo more often than a wish. */
    private static final int MAX_BATCH_ROWS = 100_000;
    private static final String PLANNED = "the planner's with a device budget, else 0 (as many rows as memory holds)";

    public static final ConfEntry<String> MODEL = add("model", ValueType.nonEmptyText(), null,
            "the model folder (config.json, safetensors, tokenizer.json) every executor loads");
    public static final ConfEntry<Integer> MAX_NEW_TOKENS = add("max_new_tokens", ValueType.integer(0, Integer.MAX_VALUE),
            "64", "new tokens generated per row at most (the prompt and these must fit the model's context)");
    public static final ConfEntry<Float> TEMPERATURE = add("temperature", ValueType.number("a number >= 0",
            v -> v >= 0), "0", "sampling temperature; 0 is greedy");
    public static final ConfEntry<Integer> TOP_K = add("top_k", ValueType.integer(0, Integer.MAX_VALUE), "0",
            "keep the K most likely tokens (0 = no limit)");
    public static final ConfEntry<Float> TOP_P = add("top_p", ValueType.number("a number in (0, 1]",
            v -> v > 0 && v <= 1), "1", "nucleus sampling mass (1 = no limit)");
    public static final ConfEntry<Long> SEED = add("seed", ValueType.anyLong(), "0",
            "base seed; each row's seed mixes it with the row's prompt (and id column)");
    public static final ConfEntry<List<String>> STOP = add("stop", ValueType.separatedStrings(), "",
            "stop strings, separated by '|' (empty = none)");
    public static final ConfEntry<Boolean> CHAT = add("chat", ValueType.bool(), "false",
            "wrap each prompt in the model's chat template");
    public static final ConfEntry<String> SYSTEM = add("system", ValueType.text(), "",
            "a system message placed before each prompt when chat is on (empty = none)");
    public static final ConfEntry<String> ON_OVERFLOW = add("on_overflow", ValueType.oneOf("error", "truncate"),
            "error", "a prompt longer than the context: 'error' treats the row as bad (see on_error), 'truncate' "
                    + "keeps its end");
    public static final ConfEntry<String> ON_ERROR = add("on_error", ValueType.oneOf("fail", "null"), "fail",
            "a bad row (prompt too long, not valid text, failed in the engine): 'fail' fails the job naming the row,"
                    + " 'null' gives it a null output, with the reason in the struct output's error field");
    public static final ConfEntry<Integer> BATCH_ROWS = add("batch.rows", ValueType.integer(1, MAX_BATCH_ROWS), "32",
            "rows per engine call (one multi-batch)");
    public static final ConfEntry<Boolean> BATCH_OVERLAP = add("batch.overlap", ValueType.bool(), "true",
            "while a task's window of batch.rows rows (or DataSource prompts) is generated, the next one is read and "
                    + "submitted, so the engine's group does not drain at each window's end (the task holds at most "
                    + "two windows)");
    public static final ConfEntry<Boolean> BATCH_INVARIANT = add("batch-invariant", ValueType.bool(),
            "true", "fixed-order kernels, so a row's output never depends on the batch it ran in");
    public static final ConfEntry<String> OUTPUT = add("output", ValueType.oneOf("string", "struct"), "string",
            "'string' (the text) or 'struct' (text, prompt_tokens, generated_tokens, finish_reason, latency_ms, error)");
    public static final ConfEntry<String> ID_COLUMN = add("id_column", ValueType.text(), "",
            "a column mixed into each row's seed besides the prompt (empty = prompt only)");
    public static final ConfEntry<Boolean> ENGINE_EAGER = add("engine.eager", ValueType.bool(), "false",
            "load the engine when the executor starts instead of on the first batch");
    public static final ConfEntry<Integer> ENGINE_THREADS = add("engine.threads", ValueType.integer(0, 4096), "0",
            "compute threads per engine (0 = the engine's default, all cores of the executor JVM)");
    public static final ConfEntry<String> DEVICE_BUDGET = add("device-budget", ValueType.budgetOrEmpty(), "",
            "offload routed experts: bytes of them the compute tier may hold (2GiB, 25%); empty = all resident");
    public static final ConfEntry<String> HOST_BUDGET = add("host-budget", ValueType.budgetOrEmpty(), "",
            "a host tier of offloaded experts kept off-heap between storage and the compute tier; empty = none");
    public static final ConfEntry<String> POLICY = add("policy",
            ValueType.oneOf(dev.klotski.engine.api.EngineOptions.POLICIES.toArray(String[]::new)), "lru",
            "which offloaded expert the cache evicts");
    public static final ConfEntry<String> PREFETCH = add("prefetch",
            ValueType.oneOf(dev.klotski.engine.api.EngineOptions.PREFETCHERS.toArray(String[]::new)), "none",
            "how offloaded experts load ahead of need");
    public static final ConfEntry<Boolean> DIRECT_IO = add("direct-io", ValueType.bool(), "false",
            "read offloaded experts with O_DIRECT (the disk, not the page cache)");
    public static final ConfEntry<Integer> IO_THREADS = add("io-threads", ValueType.integer(1, 64), "2",
            "threads per engine that read offloaded experts");
    public static final ConfEntry<String> ROUTING_PROFILE = add("routing-profile", ValueType.text(), "",
            "a routing profile file from klotski profile, as the executors see it (correlation prefetch, pin)");
    public static final ConfEntry<Integer> GROUP_BATCHES = add("group.batches",
            ValueType.orEmpty(ValueType.integer(0, 1 << 16), PLANNED), "",
            "n: batches the engine advances together (one expert load serves every row of the group); 0 with "
                    + "group.batch-size 0: as many rows as the KV budget holds, from every task on the executor");
    public static final ConfEntry<Integer> GROUP_BATCH_SIZE = add("group.batch-size",
            ValueType.orEmpty(ValueType.integer(0, 1 << 16), PLANNED), "",
            "b: rows per batch of the engine's group (0 with group.batches 0)");
    public static final ConfEntry<Integer> PASS_TOKENS = add("pass-tokens",
            ValueType.orEmpty(ValueType.integer(1, 1 << 20), "the planner's with a device budget, else 2048"), "",
            "most tokens in one forward pass (bounds prefill activation memory)");
    public static final ConfEntry<Float> POOL_SHARE = add("pool-share", ValueType.orEmpty(ValueType.number(
            "a number in [0, 1)", v -> v >= 0 && v < 1), "the planner's with a device budget, else 0"), "",
            "share of the offloaded experts' slots lent to the layer that is loading (loads run ahead of compute); "
                    + "the rest stay per-layer caches");
    public static final ConfEntry<String> PLAN = add("plan", ValueType.oneOf("auto", "measure", "off"), "auto",
            "with a device budget, the group settings left empty come from the planner and the executor's cached "
                    + "hardware profile (klotski profile-hw); measure: an executor without one measures it at its "
                    + "first load (about half a minute, then cached); off: the defaults");
    public static final ConfEntry<String> ENGINE_FACTORY = add("engine.factory", ValueType.nonEmptyText(),
            "dev.klotski.spark.plugin.KlotskiEngineFactory",
            "class that opens the engine (an EngineFactory); swap it only to test or to wrap the engine");

    private KlotskiConf() {
    }

    /** All entries in declaration order (used for docs and validation). */
    public static List<ConfEntry<?>> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /**
     * Rejects option names that are not settings, so a typo does not pass silently, and options without a
     * value. Values are checked when {@link GenerateOptions#from} parses them.
     */
    public static void checkOptions(Map<String, String> options) {
        for (Map.Entry<String, String> e : options.entrySet()) {
            String k = e.getKey();
            if (!ENTRIES.containsKey(k)) {
                throw new IllegalArgumentException("unknown moe_generate option '" + k + "'" + suggestion(k)
                        + "; valid options: " + String.join(", ", ENTRIES.keySet()));
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("moe_generate option '" + k + "' is null; give it a value ("
                        + ENTRIES.get(k).allowed() + ") or leave it out");
            }
        }
    }

    /** " (did you mean 'x'?)" for the nearest option within two edits, else "". */
    private static String suggestion(String name) {
        return ENTRIES.keySet().stream()
                .filter(k -> editDistance(k, name) <= 2)
                .min(Comparator.comparingInt(k -> editDistance(k, name)))
                .map(k -> " (did you mean '" + k + "'?)").orElse("");
    }

    private static int editDistance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int above = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1),
                        diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.length()];
    }

    private static <T> ConfEntry<T> add(String name, ValueType<T> type, String def, String doc) {
        ConfEntry<T> e = new ConfEntry<>(name, type, def, doc);
        ENTRIES.put(name, e);
        return e;
    }
}
