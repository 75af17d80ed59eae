package dev.klotski.engine.generate;

import dev.klotski.engine.model.ModelConfig;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The memory KV caches may take, and what one sequence's cache may grow to: its prompt plus max_new_tokens (at
 * most the context), each position holding a key and a value of kvDim floats in every layer. The batch loop
 * admits a sequence only while the caches of the running ones plus its own fit, so a batch never fails with an
 * OutOfMemoryError halfway (or takes the executor down with it); a sequence that cannot fit even alone is
 * refused at once with the figures and the fix.
 */
final class KvBudget {
    /** Share of the free memory caches may take: the rest is for activations and other calls. */
    static final double SHARE = 0.8;

    private final ModelConfig config;
    private final LongSupplier availableBytes;

    KvBudget(ModelConfig config, LongSupplier availableBytes) {
        this.config = config;
        this.availableBytes = availableBytes;
    }

    /** Heap the JVM may still grow into (the CPU backend keeps caches on the heap). */
    static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Bytes the cache of one sequence may reach. */
    long worstCaseBytes(int promptLength, SamplingSpec params) {
        long positions = Math.min(config.contextLength(), (long) promptLength + params.maxNewTokens());
        return positions * config.layers() * config.kvDim() * 2L * Float.BYTES;
    }

    /** Bytes the caches of these sequences may reach together. */
    long worstCaseBytes(List<int[]> prompts, List<SamplingSpec> params) {
        long total = 0;
        for (int i = 0; i < prompts.size(); i++) {
            total += worstCaseBytes(prompts.get(i).length, params.get(i));
        }
        return total;
    }

    /** Bytes the caches of a group may take, measured now (the loop measures when its group is empty). */
    long capacity() {
        return (long) (availableBytes.getAsLong() * SHARE);
    }

    /** The refusal of a sequence that needs {@code need} bytes when only {@code capacity} exist. */
    static IllegalStateException tooLarge(int request, long need, long capacity) {
        return new IllegalStateException(String.format(Locale.ROOT,
                "the KV cache of request %d may need %.1f MiB (its prompt plus max_new_tokens), but only %.1f MiB "
                        + "of memory is free for KV caches — lower max_new_tokens, send a shorter prompt, or give "
                        + "the JVM more memory (-Xmx, spark.executor.memory)",
                request, need / MIB, capacity / MIB));
    }

    private static final double MIB = 1024.0 * 1024;
}
