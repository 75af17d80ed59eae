package dev.klotski.engine.api;

/** Why a sequence stopped generating. */
public enum FinishReason {
    /** The model produced an end-of-sequence token. */
    EOS,
    /** The output reached one of the stop strings (the stop string is not part of the text). */
    STOP_STRING,
    /** max_new_tokens was reached. */
    LENGTH;

    /** The lower-case name used in JSON and Spark output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
