package dev.klotski.engine.generate;

import dev.klotski.engine.model.ModelConfig;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Checks, before a batch starts, that the KV caches it may grow to fit the memory left: every sequence may
 * reach its prompt plus max_new_tokens (at most the context), each position holding a key and a value of kvDim
 * floats in every layer. A batch that could not finish is refused at once with the figures and the fix, instead
 * of failing with an OutOfMemoryError halfway (or taking the executor down with it).
 */
final class KvBudget {
    /** Share of the free memory a batch's caches may take: the rest is for activations and other calls. */
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

    /** Bytes the caches of these sequences may reach. */
    long worstCaseBytes(List<int[]> prompts, List<SamplingSpec> params) {
        long positions = 0;
        for (int i = 0; i < prompts.size(); i++) {
            positions += Math.min(config.contextLength(), (long) prompts.get(i).length + params.get(i).maxNewTokens());
        }
        return positions * config.layers() * config.kvDim() * 2L * Float.BYTES;
    }

    void check(List<int[]> prompts, List<SamplingSpec> params) {
        long need = worstCaseBytes(prompts, params);
        long free = availableBytes.getAsLong();
        if (need > free * SHARE) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the KV caches of this batch of %d sequences may need %.1f MiB (prompts plus max_new_tokens), "
                            + "but only %.1f MiB of memory is free — send fewer rows per call (batch.rows), lower "
                            + "max_new_tokens, or give the JVM more memory (-Xmx, spark.executor.memory)",
                    prompts.size(), need / MIB, free / MIB));
        }
    }

    private static final double MIB = 1024.0 * 1024;
}
