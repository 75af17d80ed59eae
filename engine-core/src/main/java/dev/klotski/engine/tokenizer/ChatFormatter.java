package dev.klotski.engine.tokenizer;

import java.util.List;

/** Renders a conversation the way one family of Hugging Face chat templates does. */
public interface ChatFormatter {

    /**
     * @param addGenerationPrompt end with the opening of an assistant turn, for the model to complete
     *                            (ignored by families whose template has no such opening, like Mistral's)
     */
    String format(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** True when the formatted text begins with the BOS token itself, so encoding must not add another. */
    default boolean startsWithBos() {
        return false;
    }
}
