package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.ModelConfigException;
import dev.klotski.engine.model.weights.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile model files: mutated safetensors headers and bodies, config.json, tokenizer.json and
 * tokenizer_config.json (a bounded number of cases per file, drawn with a fixed seed). Every case must end
 * within a time limit in one of three ways: the folder loads and generates a few tokens with finite logits
 * (the mutation did not matter); opening fails with one of the engine's own error types and a message that
 * names the mutated file; or the folder loads and the prompt is refused as documented (a context too short
 * for it, or a tokenizer that does not match the model, saying so). Never an OutOfMemoryError from a declared
 * size, a NullPointerException, an index error, a NumberFormatException, a hang or garbage logits. Prints
 * one line per file kind: cases run, loaded fine, clean errors, refused requests.
 */
class HostileFileFuzzTest {
    private static final long SEED = 0x4B4C4F54534B49L; // "KLOTSKI"
    private static final Duration CASE_LIMIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> BASES = List.of("tiny-qwen2-moe", "tiny-qwen3-moe");

    @TempDir
    static Path tmp;
    private static int counter;

    /** How a case ended. */
    private enum Outcome { LOADED, CLEAN_ERROR, REFUSED_REQUEST }

    /** One mutated file: which base folder, which file, what was done, and the file's new bytes. */
    private record Case(String base, String file, String what, Function<byte[], byte[]> mutate) {
        @Override
        public String toString() {
            return file + " of " + base + ": " + what;
        }
    }

    @BeforeAll
    static void warmUp() {
        // The first open loads the tokenizers library; keep that out of the first case's time limit.
        try (KlotskiEngine e = open(TestModels.bundled(BASES.get(0)))) {
            assertEquals(Outcome.LOADED, generates(e, null));
        }
    }

    @Test
    void safetensorsHeaders() {
        Random rng = new Random(SEED + 1);
        List<Case> cases = new ArrayList<>();
        for (String base : BASES) {
            String f = "model.safetensors";
            for (int i = 0; i < 30; i++) {
                int at = rng.nextInt(1 << 20);
                int bit = rng.nextInt(8);
                cases.add(new Case(base, f, "bit " + bit + " of header byte #" + at + " flipped", b -> {
                    byte[] out = b.clone();
                    int pos = 8 + Math.floorMod(at, (int) headerLength(b));
                    out[pos] ^= (byte) (1 << bit);
                    return out;
                }));
            }
            for (int i = 0; i < 4; i++) {
                int at = rng.nextInt(1 << 20);
                cases.add(new Case(base, f, "header byte #" + at + " made 0xFF (invalid UTF-8)", b -> {
                    byte[] out = b.clone();
                    out[8 + Math.floorMod(at, (int) headerLength(b))] = (byte) 0xFF;
                    return out;
                }));
            }
            for (long len : new long[] {0, 1, 7, 1L << 31, 1L << 32, 1L << 62, Long.MIN_VALUE, -1, 100_000_001}) {
                cases.add(new Case(base, f, "header length " + Long.toUnsignedString(len), b -> withLength(b, len)));
            }
            for (long delta : new long[] {-1, 1, 8, -8}) {
                cases.add(new Case(base, f, "header length off by " + delta,
                        b -> withLength(b, headerLength(b) + delta)));
            }
            cases.add(new Case(base, f, "header length = file size", b -> withLength(b, b.length)));
            cases.add(new Case(base, f, "header length = file size - 8", b -> withLength(b, b.length - 8)));
            for (int cut : new int[] {0, 4, 8, 9}) {
                cases.add(new Case(base, f, "file cut to " + cut + " bytes", b -> Arrays.copyOf(b, cut)));
            }
            cases.add(new Case(base, f, "file cut inside the header",
                    b -> Arrays.copyOf(b, 8 + (int) headerLength(b) / 2)));
            cases.add(new Case(base, f, "file cut at the end of the header",
                    b -> Arrays.copyOf(b, 8 + (int) headerLength(b))));
            cases.add(new Case(base, f, "header is []", b -> withHeaderText(b, "[]")));
            cases.add(new Case(base, f, "header is {}", b -> withHeaderText(b, "{}")));
            cases.add(new Case(base, f, "header is null", b -> withHeaderText(b, "null")));
            cases.add(new Case(base, f, "header is empty", b -> withHeaderText(b, "")));
            cases.add(new Case(base, f, "header has trailing garbage", b -> withHeaderText(b,
                    new String(b, 8, (int) headerLength(b), StandardCharsets.UTF_8).strip() + "x")));
            cases.add(new Case(base, f, "a tensor declared twice", b -> {
                String text = new String(b, 8, (int) headerLength(b), StandardCharsets.UTF_8).strip();
                ObjectNode h = header(b);
                String name = tensorNames(h).get(0);
                String entry = "\"" + name + "\":" + h.get(name);
                return withHeaderText(b, "{" + entry + "," + text.substring(1));
            }));
            List<Object> shapes = List.of(
                    array(1L << 31, 1L << 31), array(1L << 62, 1L << 62), array(1L << 32, 1L << 32, 1L << 32),
                    array(Long.MAX_VALUE, 2), array(-1, 64), array(0), array(), array(64.5, 1), array("64", 64),
                    array(new BigInteger("100000000000000000000"), 1), "64", NODES.objectNode(), NODES.nullNode());
            for (Object shape : shapes) {
                cases.add(entryCase(base, "shape " + shape, rng,
                        (h, name) -> entry(h, name).set("shape", node(shape))));
            }
            cases.add(entryCase(base, "shape reversed", rng, (h, name) -> {
                ArrayNode s = (ArrayNode) entry(h, name).get("shape");
                List<JsonNode> dims = new ArrayList<>();
                s.forEach(dims::add);
                Collections.reverse(dims);
                s.removeAll();
                dims.forEach(s::add);
            }));
            cases.add(entryCase(base, "shape without its first dimension", rng,
                    (h, name) -> ((ArrayNode) entry(h, name).get("shape")).remove(0)));
            long huge = 1L << 62;
            List<Function<long[], Object>> offsets = List.of(
                    o -> array(0, huge), o -> array(huge, huge + (o[1] - o[0])), o -> array(o[1], o[0]),
                    o -> array(o[0]), o -> array(o[0], o[1], 0), o -> array(-8, o[1]), o -> array(o[0] + 1, o[1] + 1),
                    o -> array(Long.MAX_VALUE - 1, Long.MAX_VALUE), o -> array(String.valueOf(o[0]), o[1]),
                    o -> array(o[0], 9.3e18), o -> array(o[0], new BigInteger("18446744073709551615")),
                    o -> NODES.textNode("0..8"));
            for (int i = 0; i < offsets.size(); i++) {
                Function<long[], Object> change = offsets.get(i);
                cases.add(entryCase(base, "data_offsets mutation #" + i, rng, (h, name) -> {
                    ObjectNode e = entry(h, name);
                    long[] o = {e.get("data_offsets").get(0).asLong(), e.get("data_offsets").get(1).asLong()};
                    e.set("data_offsets", node(change.apply(o)));
                }));
            }
            for (Object dtype : List.of("F16", "F32", "F64", "I8", "U8", "bf16", "", "Q4", 5, NODES.nullNode(),
                    NODES.arrayNode())) {
                cases.add(entryCase(base, "dtype " + dtype, rng,
                        (h, name) -> entry(h, name).set("dtype", node(dtype))));
            }
            for (String key : List.of("dtype", "shape", "data_offsets")) {
                cases.add(entryCase(base, "no " + key, rng, (h, name) -> entry(h, name).remove(key)));
            }
            for (Object value : List.of("x", 5, NODES.arrayNode(), NODES.nullNode())) {
                cases.add(entryCase(base, "entry is " + value, rng, (h, name) -> h.set(name, node(value))));
            }
            cases.add(entryCase(base, "a tensor removed", rng, (h, name) -> h.remove(name)));
            cases.add(entryCase(base, "a tensor renamed", rng, (h, name) -> h.set(name + ".renamed", h.remove(name))));
            cases.add(new Case(base, f, "an extra tensor of a huge shape", b -> withHeader(b, h -> {
                ObjectNode e = h.putObject("extra.weight");
                e.put("dtype", "BF16");
                e.set("shape", node(array(1L << 40, 1L << 20)));
                e.set("data_offsets", node(array(0, 1L << 61)));
            })));
            cases.add(new Case(base, f, "__metadata__ is 5", b -> withHeader(b, h -> h.put("__metadata__", 5))));
            cases.add(new Case(base, f, "__metadata__ has a number", b -> withHeader(b,
                    h -> h.putObject("__metadata__").put("format", 5))));
        }
        run("safetensors header", cases);
    }

    @Test
    void safetensorsBodies() {
        Random rng = new Random(SEED + 2);
        List<Case> cases = new ArrayList<>();
        for (String base : BASES) {
            String f = "model.safetensors";
            for (int i = 0; i < 6; i++) {
                double share = rng.nextDouble();
                cases.add(new Case(base, f, String.format("body cut to %.3f of its length", share), b -> {
                    int start = 8 + (int) headerLength(b);
                    return Arrays.copyOf(b, start + (int) ((b.length - start) * share));
                }));
            }
            for (int cut : new int[] {1, 2, 8}) {
                cases.add(new Case(base, f, "last " + cut + " bytes cut", b -> Arrays.copyOf(b, b.length - cut)));
            }
            cases.add(new Case(base, f, "no body", b -> Arrays.copyOf(b, 8 + (int) headerLength(b))));
            for (int extra : new int[] {1, 7, 8, 4096}) {
                cases.add(new Case(base, f, extra + " bytes appended", b -> {
                    byte[] tail = new byte[extra];
                    new Random(extra).nextBytes(tail);
                    byte[] out = Arrays.copyOf(b, b.length + extra);
                    System.arraycopy(tail, 0, out, b.length, extra);
                    return out;
                }));
            }
            cases.add(new Case(base, f, "the body doubled", b -> {
                int start = 8 + (int) headerLength(b);
                byte[] out = Arrays.copyOf(b, b.length + b.length - start);
                System.arraycopy(b, start, out, b.length, b.length - start);
                return out;
            }));
            // Low mantissa bits of BF16 weights: a change no checksum-less format can see, and one that must
            // still give finite logits.
            for (int i = 0; i < 8; i++) {
                long pick = rng.nextLong();
                cases.add(new Case(base, f, "low mantissa bits of 64 weights flipped (#" + i + ")", b -> {
                    byte[] out = b.clone();
                    int start = 8 + (int) headerLength(b);
                    Random r = new Random(pick);
                    for (int k = 0; k < 64; k++) {
                        int element = r.nextInt((b.length - start) / 2);
                        out[start + 2 * element] ^= (byte) (1 << r.nextInt(7));
                    }
                    return out;
                }));
            }
            cases.add(new Case(base, f, "a weight matrix zeroed", b -> {
                ObjectNode h = header(b);
                String name = tensorNames(h).stream()
                        .filter(n -> n.contains("mlp") && h.get(n).get("shape").size() == 2).findFirst().orElseThrow();
                byte[] out = b.clone();
                int start = 8 + (int) headerLength(b);
                Arrays.fill(out, start + h.get(name).get("data_offsets").get(0).asInt(),
                        start + h.get(name).get("data_offsets").get(1).asInt(), (byte) 0);
                return out;
            }));
            cases.add(new Case(base, f, "the body is random bytes", b -> {
                byte[] out = b.clone();
                int start = 8 + (int) headerLength(b);
                byte[] noise = new byte[b.length - start];
                new Random(3).nextBytes(noise);
                // Keep it finite: clear each BF16 exponent's top bit, so no element is Inf or NaN.
                for (int k = 1; k < noise.length; k += 2) {
                    noise[k] &= (byte) 0xBF;
                }
                System.arraycopy(noise, 0, out, start, noise.length);
                return out;
            }));
        }
        run("safetensors body", cases);
    }

    @Test
    void configs() {
        Random rng = new Random(SEED + 3);
        List<Case> cases = new ArrayList<>();
        List<Object> values = List.of(NODES.missingNode(), NODES.nullNode(), "abc", "64", 0, -1, 1, 3,
                1L << 31, Integer.MAX_VALUE, 1L << 62, new BigInteger("1000000000000000000000"), 1e30, 3.5, -0.5,
                Double.NaN, true, NODES.arrayNode(), NODES.objectNode());
        List<String> keys = List.of("architectures", "hidden_size", "num_hidden_layers", "num_attention_heads",
                "num_key_value_heads", "head_dim", "num_experts", "num_experts_per_tok", "intermediate_size",
                "moe_intermediate_size", "shared_expert_intermediate_size", "max_position_embeddings",
                "sliding_window", "use_sliding_window", "vocab_size", "rope_theta", "rms_norm_eps",
                "tie_word_embeddings", "mlp_only_layers", "decoder_sparse_step", "norm_topk_prob", "bos_token_id",
                "eos_token_id", "rope_scaling", "klotski_quantization");
        List<Case> all = new ArrayList<>();
        for (String base : BASES) {
            for (String key : keys) {
                for (Object v : values) {
                    all.add(jsonCase(base, "config.json", key + " = " + show(v), root -> setOrRemove(root, key, v)));
                }
            }
        }
        Collections.shuffle(all, rng);
        cases.addAll(all.subList(0, 400));
        for (String base : BASES) {
            // The cases the issue names, always run.
            cases.add(jsonCase(base, "config.json", "hidden_size 2^31", r -> r.put("hidden_size", 1L << 31)));
            cases.add(jsonCase(base, "config.json", "num_experts 0", r -> r.put("num_experts", 0)));
            cases.add(jsonCase(base, "config.json", "num_experts_per_tok > num_experts",
                    r -> r.put("num_experts_per_tok", r.get("num_experts").asInt() + 1)));
            for (String key : List.of("hidden_size", "num_hidden_layers", "num_experts", "vocab_size",
                    "num_attention_heads", "head_dim", "moe_intermediate_size", "max_position_embeddings")) {
                cases.add(jsonCase(base, "config.json", key + " = 2^31 - 1", r -> r.put(key, Integer.MAX_VALUE)));
                cases.add(jsonCase(base, "config.json", key + " = 2^30", r -> r.put(key, 1 << 30)));
            }
            cases.add(jsonCase(base, "config.json", "num_experts and top-k 2^31 - 1", r -> {
                r.put("num_experts", Integer.MAX_VALUE);
                r.put("num_experts_per_tok", Integer.MAX_VALUE);
            }));
            cases.add(jsonCase(base, "config.json", "architectures [5]", r -> r.set("architectures", node(array(5)))));
            cases.add(jsonCase(base, "config.json", "architectures [{}]",
                    r -> r.putArray("architectures").addObject()));
            cases.add(jsonCase(base, "config.json", "mlp_only_layers [\"x\", -1, 99]",
                    r -> r.set("mlp_only_layers", node(array("x", -1, 99)))));
            cases.add(jsonCase(base, "config.json", "rope_scaling {\"type\": 5}",
                    r -> r.putObject("rope_scaling").put("type", 5)));
            cases.add(jsonCase(base, "config.json", "eos_token_id [\"x\", -5, 2^40]",
                    r -> r.set("eos_token_id", node(array("x", -5, 1L << 40)))));
            addRawJsonCases(cases, base, "config.json", rng);
        }
        run("config.json", cases);
    }

    @Test
    void tokenizerJsons() {
        Random rng = new Random(SEED + 4);
        List<Case> cases = new ArrayList<>();
        String f = "tokenizer.json";
        for (String base : BASES) {
            addRawJsonCases(cases, base, f, rng);
            for (Object v : List.of(NODES.missingNode(), NODES.nullNode(), 5, "x", NODES.arrayNode(),
                    NODES.objectNode())) {
                for (String key : List.of("model", "added_tokens", "pre_tokenizer", "decoder", "normalizer",
                        "post_processor", "version")) {
                    cases.add(jsonCase(base, f, key + " = " + show(v), r -> setOrRemove(r, key, v)));
                }
                for (String key : List.of("type", "vocab", "merges", "unk_token", "byte_fallback")) {
                    cases.add(jsonCase(base, f, "model." + key + " = " + show(v),
                            r -> setOrRemove((ObjectNode) r.get("model"), key, v)));
                }
            }
            for (Object id : List.of(-1, 1L << 32, 4294967295L, Integer.MAX_VALUE, 1L << 40, "7", 1.5, 100_000)) {
                cases.add(jsonCase(base, f, "added token id " + show(id),
                        r -> ((ObjectNode) r.get("added_tokens").get(0)).set("id", node(id))));
                cases.add(jsonCase(base, f, "vocab id " + show(id),
                        r -> ((ObjectNode) r.get("model").get("vocab")).set("a", node(id))));
            }
            for (Object v : List.of(5, NODES.nullNode(), NODES.objectNode(), "")) {
                cases.add(jsonCase(base, f, "added token content " + show(v),
                        r -> ((ObjectNode) r.get("added_tokens").get(0)).set("content", node(v))));
            }
            cases.add(jsonCase(base, f, "added token is 5", r -> ((ArrayNode) r.get("added_tokens")).set(0, 5)));
            cases.add(jsonCase(base, f, "merges [5, \"a\"]",
                    r -> ((ObjectNode) r.get("model")).set("merges", node(array(5, "a")))));
            cases.add(jsonCase(base, f, "merge of unknown tokens",
                    r -> ((ArrayNode) r.get("model").get("merges")).insert(0, "zzzq qqzz")));
            cases.add(jsonCase(base, f, "pre-tokenizer regex invalid", r -> ((ObjectNode) r.get("pre_tokenizer")
                    .get("pretokenizers").get(0).get("pattern")).put("Regex", "(unclosed[")));
            cases.add(jsonCase(base, f, "pre-tokenizer of an unknown type",
                    r -> r.putObject("pre_tokenizer").put("type", "NoSuchPreTokenizer")));
            cases.add(jsonCase(base, f, "Unigram model with a bad piece", r -> {
                ObjectNode m = r.putObject("model");
                m.put("type", "Unigram");
                m.set("vocab", node(array(array("a", 0.0), 5)));
            }));
            cases.add(jsonCase(base, f, "the vocabulary emptied",
                    r -> ((ObjectNode) r.get("model")).putObject("vocab")));
        }
        run("tokenizer.json", cases);
    }

    @Test
    void tokenizerConfigs() {
        Random rng = new Random(SEED + 5);
        List<Case> cases = new ArrayList<>();
        String f = "tokenizer_config.json";
        for (String base : BASES) {
            addRawJsonCases(cases, base, f, rng);
            for (Object v : List.of(NODES.missingNode(), NODES.nullNode(), 5, "x", "", true,
                    NODES.arrayNode(), NODES.objectNode(), array(5), "<|im_end|>", "<|endoftext|>")) {
                for (String key : List.of("add_bos_token", "add_eos_token", "bos_token", "eos_token", "pad_token",
                        "chat_template", "added_tokens_decoder", "model_max_length")) {
                    cases.add(jsonCase(base, f, key + " = " + show(v), r -> setOrRemove(r, key, v)));
                }
            }
            cases.add(jsonCase(base, f, "bos_token {\"content\": 5} and add_bos_token", r -> {
                r.putObject("bos_token").put("content", 5);
                r.put("add_bos_token", true);
            }));
            cases.add(jsonCase(base, f, "bos_token <|endoftext|> and add_bos_token", r -> {
                r.put("bos_token", "<|endoftext|>");
                r.put("add_bos_token", true);
            }));
            cases.add(jsonCase(base, f, "chat_template [{\"name\": 5}]",
                    r -> r.putArray("chat_template").addObject().put("name", 5)));
            cases.add(jsonCase(base, f, "chat_template [5]", r -> r.set("chat_template", node(array(5)))));
            cases.add(jsonCase(base, f, "chat_template unbalanced Jinja", r -> r.put("chat_template",
                    "{% for m in messages %}<|im_start|>{{ m['content'] ")));
        }
        run("tokenizer_config.json", cases);
    }

    // ---- running cases ----

    private static void run(String category, List<Case> cases) {
        int[] counts = new int[Outcome.values().length];
        List<String> failures = new ArrayList<>();
        long slowest = 0;
        Case slowestCase = null;
        for (Case c : cases) {
            Path dir = materialize(c);
            long start = System.nanoTime();
            try {
                Outcome o = assertTimeoutPreemptively(CASE_LIMIT, () -> attempt(c, dir),
                        () -> c + " did not end within " + CASE_LIMIT.toSeconds() + " s");
                counts[o.ordinal()]++;
            } catch (AssertionError e) {
                failures.add(e.getMessage() + (e.getCause() == null ? "" : "\n    at " + where(e.getCause())));
            }
            delete(dir); // some 1,200 folders of half a megabyte otherwise
            long nanos = System.nanoTime() - start;
            if (nanos > slowest) {
                slowest = nanos;
                slowestCase = c;
            }
        }
        System.out.printf("hostile %s: %d cases, %d loaded fine, %d clean errors, %d requests refused"
                        + " (slowest %d ms: %s)%n", category, cases.size(), counts[Outcome.LOADED.ordinal()],
                counts[Outcome.CLEAN_ERROR.ordinal()], counts[Outcome.REFUSED_REQUEST.ordinal()],
                slowest / 1_000_000, slowestCase);
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " of " + cases.size() + " hostile " + category
                    + " cases did not end cleanly:\n  " + String.join("\n  ", failures));
        }
    }

    /** The first frames of where a throwable came from, for the failure list. */
    private static String where(Throwable t) {
        return Arrays.stream(t.getStackTrace()).limit(4).map(String::valueOf)
                .reduce((a, b) -> a + " < " + b).orElse("?");
    }

    private static Outcome attempt(Case c, Path dir) {
        KlotskiEngine engine;
        try {
            engine = open(dir);
        } catch (Throwable t) {
            requireClean(c, t);
            return Outcome.CLEAN_ERROR;
        }
        try (engine) {
            return generates(engine, c.file());
        } catch (Throwable t) {
            throw new AssertionError(c + ": loaded, but generating failed with " + t, t);
        }
    }

    private static KlotskiEngine open(Path dir) {
        return KlotskiEngine.open(EngineOptions.builder(dir).optThreads(1).build());
    }

    /** Generates a few tokens, checks they are in the vocabulary and that every logit on the way is finite. */
    private static Outcome generates(KlotskiEngine engine, String file) {
        GenerationRequest request = GenerationRequest.ofText("The quick brown fox jumps over a lazy dog: 12 café",
                SamplingParams.GREEDY.withMaxNewTokens(4));
        GenerationResult result;
        try {
            result = engine.generate(List.of(request)).get(0);
        } catch (PromptTooLongException e) {
            return Outcome.REFUSED_REQUEST; // a tiny context length: refused as documented, not garbage
        } catch (IllegalArgumentException e) {
            if (file != null && !names(e, file)) { // a tokenizer that does not match the model: refused, saying so
                throw new AssertionError("the refusal does not name " + file + ": " + e, e);
            }
            return Outcome.REFUSED_REQUEST;
        }
        int vocab = engine.modelConfig().vocabSize();
        int[] ids = new int[result.promptIds().length + result.outputIds().length];
        System.arraycopy(result.promptIds(), 0, ids, 0, result.promptIds().length);
        System.arraycopy(result.outputIds(), 0, ids, result.promptIds().length, result.outputIds().length);
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new AssertionError("token id " + id + " outside the vocabulary of " + vocab);
            }
        }
        float[] logits = engine.teacherForcedLogits(ids);
        for (int i = 0; i < logits.length; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new AssertionError("logit " + i + " is " + logits[i] + " (garbage output)");
            }
        }
        if (result.text() == null) {
            throw new AssertionError("no text decoded");
        }
        return Outcome.LOADED;
    }

    /** The engine's own error types; a JDK subclass of IllegalArgumentException (NumberFormatException) is not. */
    private static void requireClean(Case c, Throwable t) {
        Class<?> type = t.getClass();
        boolean engines = type.getName().startsWith("dev.klotski.");
        boolean clean = t instanceof CheckpointException || t instanceof ModelConfigException
                || t instanceof UncheckedIOException
                || type == IllegalArgumentException.class || type == IllegalStateException.class
                || (engines && (t instanceof IllegalArgumentException || t instanceof IllegalStateException));
        if (!clean) {
            throw new AssertionError(c + ": opening failed with " + t, t);
        }
        if (!names(t, c.file())) {
            throw new AssertionError(c + ": the error does not name " + c.file() + ": " + t, t);
        }
    }

    /** Whether the file's name is in the message of t or of a cause (not as part of a longer name). */
    private static boolean names(Throwable t, String file) {
        Pattern named = Pattern.compile("(^|[^\\w.-])" + Pattern.quote(file) + "($|[^\\w.-])");
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x.getMessage() != null && named.matcher(x.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    /** A fresh folder: the base's files, the case's file replaced by its mutation. */
    private static Path materialize(Case c) {
        Path src = TestModels.bundled(c.base());
        Path dir = tmp.resolve("case-" + (counter++));
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(src)) {
                for (Path p : files.filter(Files::isRegularFile).toList()) {
                    Path dst = dir.resolve(p.getFileName());
                    if (p.getFileName().toString().equals(c.file())) {
                        Files.write(dst, c.mutate().apply(Files.readAllBytes(p)));
                    } else {
                        Files.copy(p, dst);
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- JSON mutations ----

    /** An edit of a JSON file's parsed tree. */
    private interface TreeEdit {
        void apply(ObjectNode root);
    }

    private static Case jsonCase(String base, String file, String what, TreeEdit edit) {
        return new Case(base, file, what, b -> {
            try {
                ObjectNode root = (ObjectNode) JSON.readTree(b);
                edit.apply(root);
                return JSON.writeValueAsBytes(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Byte-level damage that any JSON file may suffer: cuts, flips, invalid UTF-8, garbage, other documents. */
    private static void addRawJsonCases(List<Case> cases, String base, String file, Random rng) {
        for (int i = 0; i < 4; i++) {
            double share = rng.nextDouble();
            cases.add(new Case(base, file, String.format("cut to %.3f of its length", share),
                    b -> Arrays.copyOf(b, (int) (b.length * share))));
        }
        for (int i = 0; i < 6; i++) {
            int at = rng.nextInt(1 << 20);
            int bit = rng.nextInt(8);
            cases.add(new Case(base, file, "bit " + bit + " of byte #" + at + " flipped", b -> {
                byte[] out = b.clone();
                out[Math.floorMod(at, b.length)] ^= (byte) (1 << bit);
                return out;
            }));
        }
        byte[][] invalid = {{(byte) 0xFF}, {(byte) 0xC3, 0x28}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}};
        for (byte[] bad : invalid) {
            cases.add(new Case(base, file, "invalid UTF-8 " + hex(bad) + " inside a string", b -> {
                String text = new String(b, StandardCharsets.UTF_8);
                int quote = text.indexOf('"', text.length() / 3) + 1; // just inside some string
                byte[] head = text.substring(0, quote).getBytes(StandardCharsets.UTF_8);
                byte[] tail = text.substring(quote).getBytes(StandardCharsets.UTF_8);
                byte[] out = Arrays.copyOf(head, head.length + bad.length + tail.length);
                System.arraycopy(bad, 0, out, head.length, bad.length);
                System.arraycopy(tail, 0, out, head.length + bad.length, tail.length);
                return out;
            }));
        }
        cases.add(new Case(base, file, "empty", b -> new byte[0]));
        cases.add(new Case(base, file, "a second document after it", b -> {
            byte[] more = "{\"spliced\": true}".getBytes(StandardCharsets.UTF_8);
            byte[] out = Arrays.copyOf(b, b.length + more.length);
            System.arraycopy(more, 0, out, b.length, more.length);
            return out;
        }));
        cases.add(new Case(base, file, "random bytes", b -> {
            byte[] out = new byte[b.length];
            new Random(b.length).nextBytes(out);
            return out;
        }));
        for (String doc : List.of("null", "[]", "42", "\"text\"", "{}", "{\"a\": 1}{\"b\": 2}", "\uFEFF{}")) {
            cases.add(new Case(base, file, "the document " + doc.replace("\uFEFF", "<BOM>"),
                    b -> doc.getBytes(StandardCharsets.UTF_8)));
        }
        cases.add(new Case(base, file, "a byte-order mark before it", b -> {
            byte[] out = new byte[b.length + 3];
            out[0] = (byte) 0xEF;
            out[1] = (byte) 0xBB;
            out[2] = (byte) 0xBF;
            System.arraycopy(b, 0, out, 3, b.length);
            return out;
        }));
        cases.add(new Case(base, file, "deeply nested", b -> ("[".repeat(100_000) + "]".repeat(100_000))
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static void setOrRemove(ObjectNode root, String key, Object value) {
        if (value instanceof JsonNode n && n.isMissingNode()) {
            root.remove(key);
        } else {
            root.set(key, node(value));
        }
    }

    private static JsonNode node(Object value) {
        return value instanceof JsonNode n ? n : JSON.valueToTree(value);
    }

    private static ArrayNode array(Object... values) {
        ArrayNode a = NODES.arrayNode();
        for (Object v : values) {
            a.add(node(v));
        }
        return a;
    }

    private static String show(Object v) {
        return v instanceof JsonNode n && n.isMissingNode() ? "(removed)" : String.valueOf(node(v));
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte x : bytes) {
            s.append(String.format("%02X", x & 0xFF));
        }
        return s.toString();
    }

    // ---- safetensors mutations ----

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static ObjectNode header(byte[] file) {
        try {
            return (ObjectNode) JSON.readTree(new String(file, 8, (int) headerLength(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> tensorNames(ObjectNode header) {
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) {
                names.add(n);
            }
        });
        return names;
    }

    private static ObjectNode entry(ObjectNode header, String name) {
        return (ObjectNode) header.get(name);
    }

    private static byte[] withLength(byte[] file, long length) {
        byte[] out = file.clone();
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return out;
    }

    /** The file with its header replaced by {@code text} (space-padded to 8 bytes) and its body kept. */
    private static byte[] withHeaderText(byte[] file, String text) {
        byte[] json = text.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        int bodyStart = 8 + (int) headerLength(file);
        ByteBuffer out = ByteBuffer.allocate(8 + padded + file.length - bodyStart).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(file, bodyStart, file.length - bodyStart);
        return out.array();
    }

    private interface HeaderEdit {
        void apply(ObjectNode header);
    }

    private static byte[] withHeader(byte[] file, HeaderEdit edit) {
        ObjectNode h = header(file);
        edit.apply(h);
        return withHeaderText(file, h.toString());
    }

    private interface EntryEdit {
        void apply(ObjectNode header, String tensor);
    }

    /** A header edit of one tensor's entry, the tensor drawn from the header with {@code rng}'s next number. */
    private static Case entryCase(String base, String what, Random rng, EntryEdit edit) {
        int pick = rng.nextInt(1 << 20);
        return new Case(base, "model.safetensors", what + " (tensor #" + pick + ")", b -> withHeader(b, h -> {
            List<String> names = tensorNames(h);
            edit.apply(h, names.get(pick % names.size()));
        }));
    }
}
