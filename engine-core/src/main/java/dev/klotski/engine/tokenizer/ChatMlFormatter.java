package dev.klotski.engine.tokenizer;

import java.util.List;

/**
 * ChatML, as Qwen2, Qwen2.5 and Qwen3 templates write it:
 * {@code <|im_start|>role\ncontent<|im_end|>\n} per message, then {@code <|im_start|>assistant\n}.
 *
 * <p>Qwen2/2.5 templates insert a default system message when the conversation has none; that text is taken
 * from the template itself (null when it has none, as in Qwen3). Qwen3's template also rewrites assistant turns
 * that carry {@code <think>} reasoning; {@code qwen3Thinking} reproduces that for plain (tool-free) turns.
 */
public final class ChatMlFormatter implements ChatFormatter {

    private final String defaultSystemPrompt;
    private final boolean qwen3Thinking;

    public ChatMlFormatter(String defaultSystemPrompt, boolean qwen3Thinking) {
        this.defaultSystemPrompt = defaultSystemPrompt;
        this.qwen3Thinking = qwen3Thinking;
    }

    public String defaultSystemPrompt() {
        return defaultSystemPrompt;
    }

    @Override
    public String format(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        boolean hasSystem = !messages.isEmpty() && messages.get(0).role().equals("system");
        if (!hasSystem && defaultSystemPrompt != null) {
            turn(out, "system", defaultSystemPrompt);
        }
        int lastQuery = lastUserIndex(messages);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (qwen3Thinking && m.role().equals("assistant")) {
                out.append("<|im_start|>assistant\n").append(qwen3Assistant(m.content(), i > lastQuery,
                        i == messages.size() - 1)).append("<|im_end|>\n");
            } else {
                turn(out, m.role(), m.content());
            }
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
        }
        return out.toString();
    }

    private static void turn(StringBuilder out, String role, String content) {
        out.append("<|im_start|>").append(role).append('\n').append(content).append("<|im_end|>\n");
    }

    private static int lastUserIndex(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return i;
            }
        }
        return messages.size() - 1;
    }

    /**
     * Qwen3: reasoning is split off at the last {@code </think>}; it is kept (re-wrapped) only for assistant turns
     * after the last user message, and always for the final message; earlier turns keep just the answer.
     */
    private static String qwen3Assistant(String content, boolean afterLastQuery, boolean last) {
        String answer = content;
        String reasoning = "";
        int end = content.lastIndexOf("</think>");
        if (end >= 0) {
            answer = lstripNewlines(content.substring(end + "</think>".length()));
            String before = rstripNewlines(content.substring(0, content.indexOf("</think>")));
            int start = before.lastIndexOf("<think>");
            reasoning = lstripNewlines(start >= 0 ? before.substring(start + "<think>".length()) : before);
        }
        if (afterLastQuery && (last || !reasoning.isEmpty())) {
            return "<think>\n" + rstripNewlines(lstripNewlines(reasoning)) + "\n</think>\n\n" + lstripNewlines(answer);
        }
        return answer;
    }

    private static String lstripNewlines(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '\n') {
            i++;
        }
        return s.substring(i);
    }

    private static String rstripNewlines(String s) {
        int i = s.length();
        while (i > 0 && s.charAt(i - 1) == '\n') {
            i--;
        }
        return s.substring(0, i);
    }
}
