package dev.klotski.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.tensor.HostBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-sequence KV cache: growth by doubling up to the context, kept rows, refusals and byte accounting. */
class KvCacheTest {
    private static final int LAYERS = 3;
    private static final int KV_DIM = 4;
    private final Kernels kernels = CpuKernels.reference();

    @AfterEach
    void close() {
        kernels.close();
    }

    /** A value unique to (keys or values, layer, position, element). */
    private static float mark(boolean key, int layer, int position, int d) {
        return (key ? 1 : -1) * (1000 * layer + 10 * position + d + 1);
    }

    /** Writes rows [from, to) of every layer, as a forward pass would. */
    private void write(KvCache cache, int from, int to) {
        for (int l = 0; l < LAYERS; l++) {
            int n = to - from;
            float[] k = new float[n * KV_DIM];
            float[] v = new float[n * KV_DIM];
            int[] positions = new int[n];
            for (int p = from; p < to; p++) {
                positions[p - from] = p;
                for (int d = 0; d < KV_DIM; d++) {
                    k[(p - from) * KV_DIM + d] = mark(true, l, p, d);
                    v[(p - from) * KV_DIM + d] = mark(false, l, p, d);
                }
            }
            kernels.writeKv(new HostBuffer(k), new HostBuffer(v), n, KV_DIM, new int[n], positions,
                    new Buffer[] {cache.keys(l)}, new Buffer[] {cache.values(l)});
        }
    }

    private static void assertRows(KvCache cache, int upTo) {
        for (int l = 0; l < LAYERS; l++) {
            float[] k = HostBuffer.of(cache.keys(l));
            float[] v = HostBuffer.of(cache.values(l));
            for (int p = 0; p < upTo; p++) {
                for (int d = 0; d < KV_DIM; d++) {
                    assertEquals(mark(true, l, p, d), k[p * KV_DIM + d], "key layer " + l + " position " + p);
                    assertEquals(mark(false, l, p, d), v[p * KV_DIM + d], "value layer " + l + " position " + p);
                }
            }
        }
    }

    @Test
    void startsAtTheInitialCapacityWithinTheContext() {
        assertEquals(4, new KvCache(kernels, LAYERS, KV_DIM, 100, 4).capacity());
        assertEquals(10, new KvCache(kernels, LAYERS, KV_DIM, 10, 64).capacity(), "never above the context");
        assertEquals(1, new KvCache(kernels, LAYERS, KV_DIM, 10, 0).capacity(), "at least one position");
        KvCache cache = new KvCache(kernels, LAYERS, KV_DIM, 100, 4);
        assertEquals(4 * KV_DIM, cache.keys(0).capacity());
        assertEquals(4 * KV_DIM, cache.values(LAYERS - 1).capacity());
    }

    @Test
    void growingDoublesAndKeepsEarlierRows() {
        KvCache cache = new KvCache(kernels, LAYERS, KV_DIM, 100, 4);
        write(cache, 0, 4);
        Buffer before = cache.keys(1);
        cache.ensureCapacity(4);
        assertSame(before, cache.keys(1), "no growth while the positions fit");
        cache.ensureCapacity(5);
        assertEquals(8, cache.capacity(), "doubled");
        assertEquals(8 * KV_DIM, cache.keys(1).capacity());
        assertRows(cache, 4);
        float[] fresh = HostBuffer.of(cache.values(2));
        for (int i = 4 * KV_DIM; i < 8 * KV_DIM; i++) {
            assertEquals(0f, fresh[i], "new rows start zeroed");
        }
        write(cache, 4, 8);
        cache.ensureCapacity(20); // more than double: straight to what is needed
        assertEquals(20, cache.capacity());
        assertRows(cache, 8);
        cache.ensureCapacity(21);
        assertEquals(40, cache.capacity());
        assertRows(cache, 8);
        cache.ensureCapacity(90);
        assertEquals(90, cache.capacity());
        cache.ensureCapacity(91);
        assertEquals(100, cache.capacity(), "doubling stops at the context");
        assertRows(cache, 8);
    }

    @Test
    void refusesPositionsBeyondTheContext() {
        KvCache cache = new KvCache(kernels, LAYERS, KV_DIM, 10, 4);
        cache.ensureCapacity(10);
        assertEquals(10, cache.capacity(), "the whole context fits");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cache.ensureCapacity(11));
        assertTrue(e.getMessage().contains("11 positions") && e.getMessage().contains("context of 10"), e.getMessage());
        assertEquals(10, cache.capacity(), "a refusal leaves the cache as it was");
    }

    @Test
    void bytesCountKeysAndValuesOfEveryLayer() {
        KvCache cache = new KvCache(kernels, LAYERS, KV_DIM, 100, 4);
        assertEquals(2L * LAYERS * 4 * KV_DIM * Float.BYTES, cache.bytes());
        cache.ensureCapacity(5);
        assertEquals(2L * LAYERS * 8 * KV_DIM * Float.BYTES, cache.bytes());
        long held = 0;
        for (int l = 0; l < LAYERS; l++) {
            held += (long) (cache.keys(l).capacity() + cache.values(l).capacity()) * Float.BYTES;
        }
        assertEquals(held, cache.bytes(), "what the buffers really hold");
    }
}
