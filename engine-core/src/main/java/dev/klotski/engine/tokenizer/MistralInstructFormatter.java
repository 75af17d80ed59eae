package dev.klotski.engine.tokenizer;

import java.util.List;

/**
 * Mistral/Mixtral {@code [INST]} format. Mixtral-8x7B-Instruct-v0.1's current template renders
 * {@code <s> [INST] system\n\nuser [/INST] answer</s> [INST] user [/INST]}: a space before each {@code [INST]}
 * and before each answer ({@code spaced}); the first Mistral templates had neither. The template has no
 * generation prompt: the text simply ends after {@code [/INST]}. It writes {@code <s>} itself.
 */
public final class MistralInstructFormatter implements ChatFormatter {

    private final boolean spaced;
    private final String bos;
    private final String eos;

    public MistralInstructFormatter(boolean spaced, String bos, String eos) {
        this.spaced = spaced;
        this.bos = bos;
        this.eos = eos;
    }

    @Override
    public String format(List<ChatMessage> messages, boolean addGenerationPrompt) {
        List<ChatMessage> turns = messages;
        String system = null;
        if (!messages.isEmpty() && messages.get(0).role().equals("system")) {
            system = messages.get(0).content();
            turns = messages.subList(1, messages.size());
        }
        String pad = spaced ? " " : "";
        StringBuilder out = new StringBuilder(bos);
        for (int i = 0; i < turns.size(); i++) {
            ChatMessage m = turns.get(i);
            String expected = i % 2 == 0 ? "user" : "assistant";
            if (!m.role().equals(expected)) {
                // The real template raises the same way; a silent re-ordering would change what the model sees.
                throw new IllegalArgumentException("after the optional system message, conversation roles must "
                        + "alternate user/assistant/user/assistant/...; message " + i + " is '" + m.role() + "'");
            }
            if (expected.equals("user")) {
                String content = i == 0 && system != null ? system + "\n\n" + m.content() : m.content();
                out.append(pad).append("[INST] ").append(content).append(" [/INST]");
            } else {
                out.append(pad).append(m.content()).append(eos);
            }
        }
        return out.toString();
    }

    @Override
    public boolean startsWithBos() {
        return !bos.isEmpty();
    }
}
