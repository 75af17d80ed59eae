package dev.klotski.engine.offload;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory budget as users write it: bytes with an optional unit ({@code 2GiB}, {@code 512MiB}, {@code 1.5GB},
 * {@code 4096}) or a share of the model's expert bytes ({@code 25%}).
 *
 * @param bytes    the budget in bytes, or -1 when it is a share
 * @param fraction the share of the expert bytes in (0, 1], or 0 when it is in bytes
 */
public record ByteBudget(long bytes, double fraction) {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(%|[kmgt]i?b?|b)?",
            Pattern.CASE_INSENSITIVE);

    public ByteBudget {
        if (bytes < 0 && (fraction <= 0 || fraction > 1)) {
            throw new IllegalArgumentException("a budget share must be in (0%, 100%], got " + fraction * 100 + "%");
        }
    }

    /** Parses a budget; throws naming the accepted forms. */
    public static ByteBudget parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("budget '" + text + "' is not a size: write bytes with an optional "
                    + "unit (4096, 512MiB, 2GiB, 1.5GB) or a share of the expert bytes (25%)");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        if (unit.equals("%")) {
            if (value <= 0 || value > 100) {
                throw new IllegalArgumentException("budget '" + text + "' must be a share in (0%, 100%]");
            }
            return new ByteBudget(-1, value / 100);
        }
        long scale = switch (unit.charAt(0)) {
            case 'k' -> unit.contains("i") ? 1L << 10 : 1_000L;
            case 'm' -> unit.contains("i") ? 1L << 20 : 1_000_000L;
            case 'g' -> unit.contains("i") ? 1L << 30 : 1_000_000_000L;
            case 't' -> unit.contains("i") ? 1L << 40 : 1_000_000_000_000L;
            default -> 1L;
        };
        double bytes = value * scale;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException("budget '" + text + "' is out of range");
        }
        return new ByteBudget((long) bytes, 0);
    }

    /** The budget in bytes for a model whose experts hold {@code expertBytes} in all. */
    public long resolve(long expertBytes) {
        return bytes >= 0 ? bytes : (long) Math.floor(fraction * expertBytes);
    }

    @Override
    public String toString() {
        return bytes >= 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.4g%% of the expert bytes", fraction * 100);
    }
}
