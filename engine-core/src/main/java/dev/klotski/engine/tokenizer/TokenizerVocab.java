package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The token table of a {@code tokenizer.json}: model vocabulary plus added tokens. Read here because DJL exposes
 * no id-to-token lookup, and Klotski needs the special-token set and the vocabulary size.
 */
final class TokenizerVocab {

    private final Map<String, Integer> ids;
    private final Set<Integer> special;
    private final int size;

    private TokenizerVocab(Map<String, Integer> ids, Set<Integer> special, int size) {
        this.ids = ids;
        this.special = special;
        this.size = size;
    }

    /** Reads the table of a tokenizer.json that the tokenizers library accepted; {@code file} is for messages. */
    static TokenizerVocab of(JsonNode tokenizerJson, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {            // BPE, WordPiece, WordLevel: {"token": id}
            vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), id(e.getValue(), e.getKey(), file)));
        } else if (vocab.isArray()) {      // Unigram: [["piece", score], ...], id = position
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), i);
            }
        }
        Set<Integer> special = new HashSet<>(); // not a BitSet: one id near 2^31 would cost 256 MB
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            String content = t.path("content").asText();
            int id = id(t.path("id"), content, file);
            ids.put(content, id);
            if (t.path("special").asBoolean(false)) {
                special.add(id);
            }
        }
        int size = ids.values().stream().mapToInt(i -> i + 1).max().orElse(0);
        return new TokenizerVocab(ids, special, size);
    }

    /**
     * The library takes any u32 as an id, but Java ints end at 2^31 - 1 and Jackson would wrap a larger one to
     * a negative id; ids that large are corruption in any case.
     */
    private static int id(JsonNode node, String token, Path file) {
        if (!node.canConvertToInt() || node.asInt() < 0 || node.asInt() == Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file.toAbsolutePath() + " gives token '" + token + "' the id " + node
                    + ", outside [0, 2^31 - 1) — the file is corrupt; copy tokenizer.json again from the model's "
                    + "Hugging Face repository");
        }
        return node.asInt();
    }

    /** Id of a token text, or -1. */
    int id(String token) {
        return token == null ? -1 : ids.getOrDefault(token, -1);
    }

    boolean isSpecial(int id) {
        return special.contains(id);
    }

    int size() {
        return size;
    }
}
