package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.util.StrictUtf8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a model folder's JSON configs say about special tokens and chat: {@code tokenizer_config.json}, then
 * {@code generation_config.json} and {@code config.json} for the ids. Absent files and keys read as null.
 *
 * @param addBos        {@code add_bos_token}, null when the key is absent
 * @param addEos        {@code add_eos_token}, false when absent
 * @param hasBosKey     whether {@code bos_token} is a key at all (Qwen writes {@code "bos_token": null})
 * @param bosToken      {@code bos_token} text (a string or an object's {@code content})
 * @param eosToken      {@code eos_token} text
 * @param chatTemplate  the default chat template ({@code chat_template} string, or the entry named "default" of
 *                      a list, else the first entry)
 * @param bosTokenId    {@code bos_token_id} from generation_config.json, else config.json
 * @param eosTokenIds   {@code eos_token_id} (int or list) from generation_config.json, else config.json
 */
record TokenizerSettings(Boolean addBos, boolean addEos, boolean hasBosKey, String bosToken, String eosToken,
                         String chatTemplate, Integer bosTokenId, int[] eosTokenIds) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerSettings read(Path modelDir) {
        JsonNode tc = readJson(modelDir.resolve("tokenizer_config.json"));
        JsonNode gen = readJson(modelDir.resolve("generation_config.json"));
        JsonNode cfg = readJson(modelDir.resolve("config.json"));
        Boolean addBos = tc.hasNonNull("add_bos_token") ? tc.get("add_bos_token").asBoolean() : null;
        boolean addEos = tc.path("add_eos_token").asBoolean(false);
        String chatTemplate = chatTemplate(tc.get("chat_template"));
        if (chatTemplate == null) {
            // Newer transformers save the template beside the config instead of inside it.
            Path jinja = modelDir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                try {
                    chatTemplate = Files.readString(jinja);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + jinja, e);
                }
            }
        }
        JsonNode bosIdNode = gen.hasNonNull("bos_token_id") ? gen.get("bos_token_id") : cfg.get("bos_token_id");
        JsonNode eosIdNode = gen.hasNonNull("eos_token_id") ? gen.get("eos_token_id") : cfg.get("eos_token_id");
        Integer bosId = bosIdNode != null && bosIdNode.isInt() ? bosIdNode.asInt() : null;
        return new TokenizerSettings(addBos, addEos, tc.has("bos_token"), tokenText(tc.get("bos_token")),
                tokenText(tc.get("eos_token")), chatTemplate, bosId, ids(eosIdNode));
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(StrictUtf8.read(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** Special tokens are written either as a plain string or as an AddedToken object with "content". */
    static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.asText() : node.path("content").asText(null);
    }

    private static String chatTemplate(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray() && !node.isEmpty()) {
            for (JsonNode entry : node) {
                if ("default".equals(entry.path("name").asText())) {
                    return entry.path("template").asText(null);
                }
            }
            return node.get(0).path("template").asText(null);
        }
        return null;
    }

    private static int[] ids(JsonNode node) {
        List<Integer> out = new ArrayList<>();
        if (node != null && node.isInt()) {
            out.add(node.asInt());
        } else if (node != null && node.isArray()) {
            node.forEach(n -> out.add(n.asInt()));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
