package dev.klotski.spark.conf;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reads entries from a per-call option map first, then from the Spark conf, then the entry's default.
 * The conf lookup is a function so the same code serves SQLConf (driver) and SparkConf (executor).
 */
public final class Settings {
    private final Map<String, String> options;
    private final UnaryOperator<String> conf;

    public Settings(Map<String, String> options, UnaryOperator<String> conf) {
        this.options = Map.copyOf(options);
        this.conf = conf;
    }

    public <T> T get(ConfEntry<T> entry) {
        String raw = options.get(entry.name());
        if (raw == null) {
            raw = conf.apply(entry.key());
        }
        return entry.parse(raw);
    }
}
