package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a small GPT-2/Qwen-style byte-level BPE {@code tokenizer.json} and a Qwen-style
 * {@code tokenizer_config.json}, for random-weight models made by {@code klotski make-model} (no real tokenizer
 * can be downloaded). Merges are learned by a deterministic BPE trainer from a few KB of English bundled as a
 * resource, so the same size always gives the same bytes. Every byte has a symbol, so any text round-trips.
 */
public final class ByteLevelBpeTokenizerWriter {

    /** Qwen2's pre-tokenizer split pattern (GPT-4 style, single digits). */
    static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String END_OF_TEXT = "<|endoftext|>";
    static final String IM_START = "<|im_start|>";
    static final String IM_END = "<|im_end|>";
    static final String CHAT_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' "
            + "+ message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private static final int BYTES = 256;
    private static final int SPECIALS = 3;

    private ByteLevelBpeTokenizerWriter() {
    }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if needed).
     *
     * @param vocabSize total ids, specials included; at least 259. When the corpus runs out of merges first, the
     *                  gap before the specials is filled with unused {@code <|reserved_N|>} special tokens.
     */
    public static TokenizerSpec write(Path dir, int vocabSize) {
        if (vocabSize < BYTES + SPECIALS) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is below " + (BYTES + SPECIALS)
                    + " (256 byte symbols + 3 special tokens)");
        }
        Bpe bpe = train(corpus(), vocabSize - SPECIALS);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        int next = bpe.tokens.size();
        for (int r = 0; next < vocabSize - SPECIALS; r++) {
            addedToken(added, next++, "<|reserved_" + r + "|>");
        }
        int endOfText = next;
        int imStart = next + 1;
        int imEnd = next + 2;
        addedToken(added, endOfText, END_OF_TEXT);
        addedToken(added, imStart, IM_START);
        addedToken(added, imEnd, IM_END);
        // No NFC normalizer (Qwen has one): without it any string, normalized or not, round-trips byte for byte.
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pres = pre.putArray("pretokenizers");
        ObjectNode split = pres.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_REGEX);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        byteLevel(pres.addObject());
        byteLevel(root.putObject("post_processor"));
        byteLevel(root.putObject("decoder"));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < bpe.tokens.size(); i++) {
            vocab.put(bpe.tokens.get(i), i);
        }
        ArrayNode merges = model.putArray("merges");
        bpe.merges.forEach(merges::add);

        ObjectNode config = json.createObjectNode();
        config.put("add_bos_token", false);
        config.put("add_eos_token", false);
        config.put("add_prefix_space", false);
        config.putNull("bos_token");
        config.put("eos_token", IM_END);
        config.put("pad_token", END_OF_TEXT);
        config.putNull("unk_token");
        config.put("chat_template", CHAT_TEMPLATE);
        config.put("clean_up_tokenization_spaces", false);
        config.put("model_max_length", 32768);
        config.put("tokenizer_class", "Qwen2Tokenizer");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(root) + "\n");
            DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"));
            Files.writeString(dir.resolve("tokenizer_config.json"),
                    json.writer(pretty).writeValueAsString(config) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer files to " + dir, e);
        }
        return new TokenizerSpec(vocabSize, -1, imEnd, endOfText, endOfText, imStart, imEnd);
    }

    private static void addedToken(ArrayNode added, int id, String content) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", true);
    }

    private static void byteLevel(ObjectNode node) {
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", false);
        node.put("trim_offsets", false);
        node.put("use_regex", false);
    }

    private static String corpus() {
        try (InputStream in = ByteLevelBpeTokenizerWriter.class.getResourceAsStream("bpe-corpus.txt")) {
            if (in == null) {
                throw new IllegalStateException("bpe-corpus.txt resource missing from the engine-core jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to code points from 256 up. */
    static char[] byteSymbols() {
        char[] map = new char[BYTES];
        int extra = 0;
        for (int b = 0; b < BYTES; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (BYTES + extra++);
        }
        return map;
    }

    private record Bpe(List<String> tokens, List<String> merges) {
    }

    /**
     * Classic BPE: split the corpus as the tokenizer will, then repeatedly merge the most frequent adjacent pair
     * (ties: lowest left id, then lowest right id) until {@code maxTokens} or no pair is left.
     */
    static Bpe train(String text, int maxTokens) {
        char[] symbols = byteSymbols();
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < BYTES; b++) {
            tokens.add(String.valueOf(symbols[b]));
            ids.put(tokens.get(b), b);
        }
        Map<String, Integer> counts = new TreeMap<>();   // sorted: the training order never depends on hashing
        Matcher m = Pattern.compile(SPLIT_REGEX, Pattern.UNICODE_CHARACTER_CLASS).matcher(text);
        while (m.find()) {
            counts.merge(m.group(), 1, Integer::sum);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        counts.forEach((word, n) -> {
            byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
            int[] w = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                w[i] = bytes[i] & 0xFF;
            }
            words.add(w);
            freq.add(n);
        });
        List<String> merges = new ArrayList<>();
        while (tokens.size() < maxTokens) {
            Map<Long, Integer> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] word = words.get(w);
                for (int i = 0; i + 1 < word.length; i++) {
                    pairs.merge(((long) word[i] << 32) | word[i + 1], freq.get(w), Integer::sum);
                }
            }
            long best = -1;
            int bestCount = 0;
            for (Map.Entry<Long, Integer> e : pairs.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (bestCount == 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String merged = tokens.get(left) + tokens.get(right);
            Integer id = ids.get(merged);
            if (id == null) {
                id = tokens.size();
                tokens.add(merged);
                ids.put(merged, id);
            }
            merges.add(tokens.get(left) + " " + tokens.get(right));
            for (int w = 0; w < words.size(); w++) {
                words.set(w, apply(words.get(w), left, right, id));
            }
        }
        return new Bpe(tokens, merges);
    }

    private static int[] apply(int[] word, int left, int right, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return n == word.length ? word : java.util.Arrays.copyOf(out, n);
    }
}
