package dev.klotski.engine.model;

import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Bytes of weights a loaded model really holds, by format, each matrix counted once (tied embeddings are one
 * matrix). Filled while loading; read by the engine's stats, bench and metrics.
 */
public final class WeightBytes {
    private final Map<WeightFormat, Long> byFormat = new EnumMap<>(WeightFormat.class);
    private final Set<WeightMatrix> counted = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Counts a matrix once; returns it for chaining. */
    synchronized WeightMatrix count(WeightMatrix w) {
        if (w != null && counted.add(w)) {
            byFormat.merge(w.format(), w.heldBytes(), Long::sum);
        }
        return w;
    }

    /** Counts bytes held outside any matrix this object saw (an expert tier's slots). */
    synchronized void add(WeightFormat format, long bytes) {
        byFormat.merge(format, bytes, Long::sum);
    }

    /** All weight bytes held. */
    public synchronized long total() {
        return byFormat.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Format label ("bf16", "int8", ...) to bytes, in format order; formats with no bytes are left out. */
    public synchronized Map<String, Long> byFormat() {
        Map<String, Long> out = new LinkedHashMap<>();
        byFormat.forEach((f, b) -> out.put(f.label(), b));
        return out;
    }
}
