package dev.klotski.engine.generate;

/** Why the generator stopped a sequence. */
public enum StopReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The decoded output reached one of the stop strings. */
    STOP_STRING,
    /** max_new_tokens or the context was reached. */
    LENGTH
}
