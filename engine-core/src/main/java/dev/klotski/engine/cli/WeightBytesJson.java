package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.KlotskiEngine;
import java.util.Locale;
import java.util.Map;

/** The held-weight figures that bench and generate report: {@code weight_bytes} and {@code weight_bytes_by_format}. */
final class WeightBytesJson {
    private WeightBytesJson() {
    }

    static void put(ObjectNode target, KlotskiEngine engine) {
        target.put("weight_bytes", engine.weightBytes());
        ObjectNode byFormat = target.putObject("weight_bytes_by_format");
        engine.weightBytesByFormat().forEach(byFormat::put);
    }

    /** "1.23 GiB (bf16 1.20 GiB, f32 0.03 GiB)" from an object filled by {@link #put}. */
    static String describe(ObjectNode weights) {
        StringBuilder sb = new StringBuilder(gib(weights.get("weight_bytes").asLong())).append(" (");
        String sep = "";
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : weights.get("weight_bytes_by_format").properties()) {
            sb.append(sep).append(e.getKey()).append(' ').append(gib(e.getValue().asLong()));
            sep = ", ";
        }
        return sb.append(')').toString();
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.3f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
