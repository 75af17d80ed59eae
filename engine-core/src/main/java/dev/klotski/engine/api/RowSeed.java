package dev.klotski.engine.api;

import dev.klotski.engine.util.Fnv1a64;

/**
 * A row's sampling seed from the base seed, its prompt bytes and optional id bytes: FNV-1a 64 over the bytes,
 * then a SplitMix64 finaliser. It depends on content only, never on partitioning, batch or attempt, so a
 * retried task or a re-run job samples the same tokens. Spark's moe_generate and {@code klotski batch} both
 * use it, so the same prompts and options give the same rows in either.
 */
public final class RowSeed {
    private RowSeed() {
    }

    public static long of(long baseSeed, byte[] prompt, byte[] idOrNull) {
        long h = Fnv1a64.hash(prompt);
        if (idOrNull != null) {
            h = Fnv1a64.hash(h ^ 0xff, idOrNull); // 0xff never occurs in UTF-8, so (prompt, id) pairs cannot collide by shifting
        }
        return mix(h ^ mix(baseSeed));
    }

    /** SplitMix64 finaliser: spreads every input bit over the output. */
    static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
