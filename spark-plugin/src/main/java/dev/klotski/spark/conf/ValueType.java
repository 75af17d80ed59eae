package dev.klotski.spark.conf;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The type and range of one setting: how its text becomes a value, and the values allowed, in words, so an
 * error can say what would have been accepted ("an integer in [1, 100000]").
 */
final class ValueType<T> {
    private final String kind;                 // "an integer", for "'x' is not an integer"
    private final String allowed;              // "an integer >= 0"
    private final Function<String, T> convert; // throws on text that is not of the kind
    private final Predicate<T> inRange;

    private ValueType(String kind, String allowed, Function<String, T> convert, Predicate<T> inRange) {
        this.kind = kind;
        this.allowed = allowed;
        this.convert = convert;
        this.inRange = inRange;
    }

    /** The values allowed, in words. */
    String allowed() {
        return allowed;
    }

    /** The value of {@code text}; the message says whether it is of the wrong type or out of range. */
    T parse(String text) {
        T value;
        try {
            value = convert.apply(text);
        } catch (ArithmeticException e) {
            throw outOfRange(text); // of the kind, but beyond what the type holds
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not " + kind + "; allowed: " + allowed);
        }
        if (!inRange.test(value)) {
            throw outOfRange(text);
        }
        return value;
    }

    private IllegalArgumentException outOfRange(String text) {
        return new IllegalArgumentException("'" + text + "' is out of range; allowed: " + allowed);
    }

    static ValueType<Integer> integer(int min, int max) {
        String range = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer in [" + min + ", " + max + "]";
        return new ValueType<>("an integer", range, s -> integral(s).intValueExact(), v -> v >= min && v <= max);
    }

    static ValueType<Long> anyLong() {
        return new ValueType<>("an integer", "an integer in [" + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "]",
                s -> integral(s).longValueExact(), v -> true);
    }

    /**
     * An integer written as such or as a decimal without fraction: SQL's map('max_new_tokens', 2, 'top_p', 0.9)
     * makes every value a decimal, so 2 arrives as "2.0".
     */
    private static BigInteger integral(String s) {
        BigDecimal d = new BigDecimal(s);
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw new NumberFormatException(s);
        }
        if (d.precision() - d.scale() > 40) {
            throw new ArithmeticException("out of range"); // and never expand 1e999999999 into a BigInteger
        }
        return d.toBigInteger();
    }

    /** A finite decimal number (no NaN, Infinity, hex or 'f' suffix, which Float.parseFloat would take). */
    static ValueType<Float> number(String range, Predicate<Float> inRange) {
        return new ValueType<>("a number", range, s -> new BigDecimal(s).floatValue(),
                v -> Float.isFinite(v) && inRange.test(v));
    }

    static ValueType<Boolean> bool() {
        return new ValueType<>("true or false", "true or false", s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException();
        }, v -> true);
    }

    /** One of the given words, case-insensitive; the value is the lower-case word. */
    static ValueType<String> oneOf(String... words) {
        String list = "one of " + String.join(", ", words);
        return new ValueType<>(list, list, s -> s.toLowerCase(Locale.ROOT), v -> Arrays.asList(words).contains(v));
    }

    /** A memory budget as the engine reads it (bytes with a unit, or a share); empty means none. */
    static ValueType<String> budgetOrEmpty() {
        String forms = "a size (4096, 512MiB, 2GiB, 1.5GB) or a share of the expert bytes (25%); empty = none";
        return new ValueType<>("a size", forms, s -> s.trim(), v -> {
            if (v.isEmpty()) {
                return true;
            }
            try {
                dev.klotski.engine.api.EngineOptions.checkBudget(v);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        });
    }

    /** {@code type}, or empty text for none (null): {@code emptyMeans} says what none does. */
    static <T> ValueType<T> orEmpty(ValueType<T> type, String emptyMeans) {
        return new ValueType<>(type.kind, type.allowed + "; empty = " + emptyMeans,
                s -> s.isEmpty() ? null : type.convert.apply(s), v -> v == null || type.inRange.test(v));
    }

    static ValueType<String> text() {
        return new ValueType<>("text", "any text", s -> s, v -> true);
    }

    static ValueType<String> nonEmptyText() {
        return new ValueType<>("text", "non-empty text", s -> s, v -> !v.isEmpty());
    }

    /** '|'-separated strings; empty parts are dropped. */
    static ValueType<List<String>> separatedStrings() {
        return new ValueType<>("text", "strings separated by '|' (empty = none)", s -> {
            List<String> out = new ArrayList<>();
            for (String part : s.split("\\|")) {
                if (!part.isEmpty()) {
                    out.add(part);
                }
            }
            return List.copyOf(out);
        }, v -> true);
    }
}
