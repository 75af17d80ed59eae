package dev.klotski.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // a second document after the first is corruption
            .build();

    static TokenizerSettings read(Path modelDir) {
        Path tcFile = modelDir.resolve("tokenizer_config.json");
        JsonNode tc = readJson(tcFile);
        JsonNode gen = readJson(modelDir.resolve("generation_config.json"));
        JsonNode cfg = readJson(modelDir.resolve("config.json"));
        Boolean addBos = flag(tc, "add_bos_token", tcFile);
        boolean addEos = Boolean.TRUE.equals(flag(tc, "add_eos_token", tcFile));
        String chatTemplate = chatTemplate(tc.get("chat_template"), tcFile);
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
        return new TokenizerSettings(addBos, addEos, tc.has("bos_token"), tokenText(tc, "bos_token", tcFile),
                tokenText(tc, "eos_token", tcFile), chatTemplate, bosId, ids(eosIdNode));
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(StrictUtf8.read(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (!node.isObject()) {
            throw wrong(file, "is not a JSON object");
        }
        return node;
    }

    /*
     * The keys below change every prompt (BOS, EOS, chat turns), so a value of the wrong type fails instead of
     * being read as false or absent: Jackson reads add_bos_token "yes" as false, and a bos_token of 5 as none.
     */

    /** add_bos_token or add_eos_token: true, false, or null when absent. */
    private static Boolean flag(JsonNode tc, String key, Path file) {
        JsonNode v = tc.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw wrong(file, "has " + key + " " + v + ", which is not true or false");
        }
        return v.asBoolean();
    }

    /** Special tokens are written either as a plain string or as an AddedToken object with "content". */
    private static String tokenText(JsonNode tc, String key, Path file) {
        JsonNode node = tc.get(key);
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode text = node.isObject() ? node.get("content") : node;
        if (text == null || !text.isTextual()) {
            throw wrong(file, "has " + key + " " + node + ", which is neither a string nor {\"content\": string}");
        }
        return text.asText();
    }

    private static String chatTemplate(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (!node.isArray()) {
            throw wrong(file, "has a chat_template that is neither a string nor a list of {name, template}");
        }
        for (JsonNode entry : node) {
            if (!entry.path("template").isTextual()) {
                throw wrong(file, "has a chat_template entry without a \"template\" string: " + entry);
            }
        }
        for (JsonNode entry : node) {
            if ("default".equals(entry.path("name").asText())) {
                return entry.get("template").asText();
            }
        }
        return node.isEmpty() ? null : node.get(0).get("template").asText();
    }

    private static IllegalArgumentException wrong(Path file, String what) {
        return new IllegalArgumentException(file + " " + what + " — the file is corrupt; copy it again from the "
                + "model's Hugging Face repository");
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
