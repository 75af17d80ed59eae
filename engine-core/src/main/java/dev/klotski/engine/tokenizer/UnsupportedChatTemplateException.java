package dev.klotski.engine.tokenizer;

/** The model's tokenizer config has no chat template, or one of a family Klotski has no formatter for. */
public final class UnsupportedChatTemplateException extends IllegalStateException {

    public UnsupportedChatTemplateException(String message) {
        super(message);
    }
}
