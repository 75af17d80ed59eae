package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The token table of a {@code tokenizer.json}: model vocabulary plus added tokens. Read here because DJL exposes
 * no id-to-token lookup, and Klotski needs the special-token set and the vocabulary size.
 */
final class TokenizerVocab {

    private final Map<String, Integer> ids;
    private final BitSet special;
    private final int size;

    private TokenizerVocab(Map<String, Integer> ids, BitSet special, int size) {
        this.ids = ids;
        this.special = special;
        this.size = size;
    }

    static TokenizerVocab of(JsonNode tokenizerJson) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {            // BPE, WordPiece, WordLevel: {"token": id}
            vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
        } else if (vocab.isArray()) {      // Unigram: [["piece", score], ...], id = position
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).get(0).asText(), i);
            }
        }
        BitSet special = new BitSet();
        for (JsonNode t : tokenizerJson.path("added_tokens")) {
            int id = t.path("id").asInt();
            ids.put(t.path("content").asText(), id);
            if (t.path("special").asBoolean(false)) {
                special.set(id);
            }
        }
        int size = ids.values().stream().mapToInt(i -> i + 1).max().orElse(0);
        return new TokenizerVocab(ids, special, size);
    }

    /** Id of a token text, or -1. */
    int id(String token) {
        return token == null ? -1 : ids.getOrDefault(token, -1);
    }

    boolean isSpecial(int id) {
        return id >= 0 && special.get(id);
    }

    int size() {
        return size;
    }
}
