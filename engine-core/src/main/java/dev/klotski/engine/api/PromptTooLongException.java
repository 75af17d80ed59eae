package dev.klotski.engine.api;

/** A prompt plus its max_new_tokens does not fit in the model's context window. */
public class PromptTooLongException extends IllegalArgumentException {
    private final int requestIndex;

    public PromptTooLongException(int requestIndex, int promptTokens, int maxNewTokens, int contextLength) {
        this(requestIndex, reason(promptTokens, maxNewTokens, contextLength));
    }

    /** @param reason what does not fit, as {@link #reason} words it */
    public PromptTooLongException(int requestIndex, String reason) {
        super("request " + requestIndex + ": " + reason);
        this.requestIndex = requestIndex;
    }

    /** The problem in words, without naming the request. */
    public static String reason(int promptTokens, int maxNewTokens, int contextLength) {
        return "prompt has " + promptTokens + " tokens and asks for " + maxNewTokens
                + " new tokens, but the model's context holds " + contextLength
                + "; shorten the prompt, lower max_new_tokens, or truncate (on_overflow=truncate)";
    }

    /** Index of the offending request in the batch passed to generate. */
    public int requestIndex() {
        return requestIndex;
    }
}
