package dev.klotski.engine.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the hand-written formatter for a Jinja chat template by the markers its family uses. */
public final class ChatTemplates {

    /** A literal default system turn inside a template string, e.g. Qwen2.5's "You are Qwen, ...". */
    private static final Pattern DEFAULT_SYSTEM =
            Pattern.compile("<\\|im_start\\|>system\\\\n([^'\"{}+\\\\]+)<\\|im_end\\|>");

    private ChatTemplates() {
    }

    /**
     * @param template the {@code chat_template} text, or null when the config has none
     * @param bosToken the BOS token text ({@code <s>}), or null
     * @param eosToken the EOS token text ({@code </s>}), or null
     */
    public static ChatFormatter select(String template, String bosToken, String eosToken) {
        if (template == null || template.isBlank()) {
            throw unsupported("it has none");
        }
        if (template.contains("<|im_start|>")) {
            Matcher m = DEFAULT_SYSTEM.matcher(template);
            String defaultSystem = m.find() ? m.group(1) : null;
            return new ChatMlFormatter(defaultSystem, template.contains("</think>"));
        }
        if (template.contains("[INST]")) {
            if (template.contains("[TOOL_CALLS]") || template.contains("[SYSTEM_PROMPT]")) {
                throw unsupported("a newer Mistral template with tool or [SYSTEM_PROMPT] markers");
            }
            boolean spaced = template.contains("' [INST] '");
            String bos = template.contains("bos_token") && bosToken != null ? bosToken : "";
            return new MistralInstructFormatter(spaced, bos, eosToken == null ? "" : eosToken);
        }
        String head = template.strip();
        throw unsupported("it starts " + (head.length() > 60 ? head.substring(0, 60) + "..." : head));
    }

    private static UnsupportedChatTemplateException unsupported(String why) {
        return new UnsupportedChatTemplateException("this model's tokenizer_config.json has no chat template "
                + "Klotski knows (" + why + "; known: ChatML/Qwen with <|im_start|>, Mistral/Mixtral [INST]); "
                + "run without --chat");
    }
}
