package dev.klotski.engine.model.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/** Splits tensors, in order, into shards of at most a byte budget, named as HuggingFace names them. */
final class ShardPlan {
    private ShardPlan() {
    }

    /** Consecutive runs of items whose bytes add up to at most maxBytes; an item larger than that stands alone. */
    static <T> List<List<T>> split(List<T> items, ToLongFunction<T> bytes, long maxBytes) {
        List<List<T>> shards = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long size = 0;
        for (T item : items) {
            long b = bytes.applyAsLong(item);
            if (!current.isEmpty() && size + b > maxBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(item);
            size += b;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** {@code model-00001-of-00003.safetensors} for index 0 of 3. */
    static String shardName(int index, int count) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index + 1, count);
    }
}
