package dev.klotski.engine.util;

/** 64-bit FNV-1a: a stable, dependency-free hash for seeds (String.hashCode is only 32 bits). */
public final class Fnv1a64 {
    /** The FNV-1a 64 offset basis: the hash of no bytes. */
    public static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Fnv1a64() {
    }

    /** Continues hash {@code h} over the bytes. */
    public static long hash(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= PRIME;
        }
        return h;
    }

    /** The hash of the bytes. */
    public static long hash(byte[] bytes) {
        return hash(OFFSET, bytes);
    }
}
