package dev.klotski.engine.model;

import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.TensorInfo;

/**
 * Checks, before any weight is read, that the JVM heap can hold the model's weights as they will be held (in
 * their stored format; vectors widened to float32), so a model too large fails at once with the fix instead
 * of an OutOfMemoryError minutes into loading.
 */
final class HeapBudget {
    /** Room left for activations, KV caches and the tokenizer besides the weights. */
    static final double WEIGHT_SHARE = 0.9;

    private HeapBudget() {
    }

    /** Bytes the loaded weights will hold: matrices as stored, 1-D tensors (norms, biases) widened to float32. */
    static long heldBytes(Checkpoint checkpoint) {
        long total = 0;
        for (String name : checkpoint.tensorNames()) {
            TensorInfo info = checkpoint.info(name);
            total += info.rank() == 1 ? info.elementCount() * Float.BYTES : info.byteLength();
        }
        return total;
    }

    /** Heap the JVM may still grow into: its maximum minus what is in use now. */
    static long availableHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Throws when {@code needed} bytes of weights would not fit the heap. */
    static void check(java.nio.file.Path modelDir, long needed, long availableBytes) {
        if (needed > availableBytes * WEIGHT_SHARE) {
            throw new ModelConfigException(String.format(java.util.Locale.ROOT,
                    "%s needs %.1f GiB of heap for its weights, but the JVM has %.1f GiB free; raise the "
                            + "heap (KLOTSKI_JAVA_OPTS=-Xmx%dg for bin/klotski, spark.executor.memory in Spark) "
                            + "or offload experts (--device-budget)",
                    modelDir, needed / GIB, availableBytes / GIB,
                    (long) Math.ceil(needed / WEIGHT_SHARE / GIB) + 2));
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;
}
