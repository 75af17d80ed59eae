package dev.klotski.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts for {@code klotski compare}: a file of one prompt per line, or JSONL with a "prompt" string per line
 * (chosen by the first non-blank line: JSONL when it starts with '{'); blank lines are skipped. Without a file,
 * a small bundled set of varied English prompts.
 */
final class PromptFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUNDLED = "compare-prompts.txt";

    private PromptFile() {
    }

    static List<String> read(Path file) {
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--prompts file not found: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --prompts " + file + ": " + e.getMessage(), e);
        }
    }

    static List<String> bundled() {
        try (InputStream in = PromptFile.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled prompts " + BUNDLED + " are missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList(), BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> parse(List<String> lines, String source) {
        List<String> prompts = new ArrayList<>();
        Boolean jsonl = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (jsonl == null) {
                jsonl = line.stripLeading().startsWith("{");
            }
            prompts.add(jsonl ? jsonPrompt(line, source, i + 1) : line);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(source + " has no prompts; give one prompt per line");
        }
        return prompts;
    }

    private static String jsonPrompt(String line, String source, int number) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + " line " + number + " is not JSON (" + e.getOriginalMessage()
                    + "); a JSONL prompts file has one {\"prompt\": \"...\"} object per line");
        }
        JsonNode prompt = node == null ? null : node.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isEmpty()) {
            throw new IllegalArgumentException(source + " line " + number
                    + ": expected a JSON object with a non-empty \"prompt\" string, e.g. {\"prompt\": \"Hello\"}");
        }
        return prompt.asText();
    }
}
