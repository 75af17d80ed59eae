package dev.klotski.engine.api;

/** What to do with a prompt that does not fit in the model's context together with its new tokens. */
public enum OverflowPolicy {
    /** Refuse the request with a {@link PromptTooLongException}. */
    FAIL,
    /** Keep the last tokens of the prompt that fit (the first token is kept when it is BOS). */
    TRUNCATE
}
