package dev.klotski.spark.conf;

import java.util.Objects;

/**
 * One {@code spark.klotski.*} setting: its key, how to parse it, its default and what it means.
 * The same entry is read from the Spark conf ({@code spark.klotski.max_new_tokens}) and from a per-call
 * option map ({@code max_new_tokens}).
 */
public final class ConfEntry<T> {
    public static final String PREFIX = "spark.klotski.";

    private final String name;
    private final ValueType<T> type;
    private final String defaultValue;
    private final String doc;

    ConfEntry(String name, ValueType<T> type, String defaultValue, String doc) {
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.doc = Objects.requireNonNull(doc);
    }

    /** The option name used in per-call maps, e.g. {@code max_new_tokens}. */
    public String name() {
        return name;
    }

    /** The Spark conf key, e.g. {@code spark.klotski.max_new_tokens}. */
    public String key() {
        return PREFIX + name;
    }

    /** The default as text, or null when the entry is required. */
    public String defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    public boolean required() {
        return defaultValue == null;
    }

    /** The values allowed, in words, e.g. "an integer >= 0". */
    public String allowed() {
        return type.allowed();
    }

    /** Parses a raw value; the message names the key so a user knows what to fix. */
    public T parse(String raw) {
        if (raw == null) {
            if (defaultValue == null) {
                throw new IllegalArgumentException(key() + " is not set: " + doc
                        + " (set it with --conf " + key() + "=... or the '" + name + "' option)");
            }
            raw = defaultValue;
        }
        try {
            return type.parse(raw.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad value for option '" + name + "' (conf " + key() + "): "
                    + e.getMessage(), e);
        }
    }
}
