package dev.klotski.engine.offload;

import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.weights.StoredWeight;
import java.nio.ByteBuffer;

/**
 * The host tier between storage and the compute tier: expert bytes as stored, in off-heap slots, so a reload
 * after eviction from the compute tier is a memory copy instead of a disk read. Inclusive: every expert read
 * from storage is offered to it. On the CPU backend the compute tier is RAM too, so this tier pays off only
 * when reads bypass the page cache (O_DIRECT) or the page cache cannot hold the experts; a CUDA backend's host
 * tier is this in pinned memory. LRU within each layer; its bookkeeping shares the tier lock of its owner.
 */
final class HostTier {
    private final ExpertCache cache;      // guarded by the owner's lock
    private final ByteBuffer[] slots;     // (slot id) one expert's stored bytes, parts back to back
    private final long[] partOffsets;     // (parts) where each part starts in a slot
    private final long slotBytes;
    private long hits;
    private long lookups;
    private long bytesCopied;

    /** @param quotas (layer) slots per layer */
    HostTier(int[] quotas, int experts, StoredExpert shape) {
        this.cache = new ExpertCache(quotas, experts, new LruPolicy(quotas.length, experts));
        StoredWeight[] matrices = shape.matrices();
        this.partOffsets = new long[matrices.length * 2];
        long at = 0;
        for (int m = 0; m < matrices.length; m++) {
            partOffsets[2 * m] = at;
            at += matrices[m].values().byteLength();
            partOffsets[2 * m + 1] = at;
            at += matrices[m].scales() == null ? 0 : matrices[m].scales().byteLength();
        }
        this.slotBytes = at;
        this.slots = new ByteBuffer[cache.totalSlots()];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = ByteBuffer.allocateDirect(Math.toIntExact(slotBytes));
        }
    }

    long slotBytes() {
        return slotBytes;
    }

    long capacityBytes() {
        return cache.totalSlots() * slotBytes;
    }

    /**
     * Under the lock: if the expert is resident here, protects it and returns its slot buffer (to copy from
     * outside the lock, then {@link #doneCopying}); else null. Counts the lookup.
     */
    ByteBuffer startCopy(int layer, int expert) {
        lookups++;
        if (cache.quota(layer) == 0 || !cache.isResident(layer, expert)) {
            return null;
        }
        hits++;
        cache.use(layer, expert);
        cache.protect(layer, expert);
        return slots[cache.slot(layer, expert)];
    }

    /** Under the lock: a copy started by {@link #startCopy} is done. */
    void doneCopying(int layer, int expert, long bytes) {
        cache.unprotect(layer, expert);
        bytesCopied += bytes;
    }

    /**
     * Under the lock: a slot for an expert just read from storage, protected and marked loading, or null when
     * the tier has no room (or holds it already). Fill it outside the lock, then {@link #filled}.
     */
    ByteBuffer startFill(int layer, int expert) {
        if (cache.quota(layer) == 0 || cache.isPresent(layer, expert)) {
            return null;
        }
        int slot = cache.admit(layer, expert, false);
        if (slot == ExpertCache.NO_ROOM) {
            return null;
        }
        return slots[slot];
    }

    /** Under the lock: the slot from {@link #startFill} holds the expert's bytes (or, on failure, nothing). */
    void filled(int layer, int expert, boolean ok) {
        if (ok) {
            cache.loaded(layer, expert);
        } else {
            cache.abandon(layer, expert);
        }
    }

    /** Decodes a host slot into a compute-tier expert; returns the bytes copied. */
    long copyInto(StoredExpert expert, ByteBuffer slot, ExpertFfn into) {
        StoredWeight[] m = expert.matrices();
        dev.klotski.engine.tensor.WeightMatrix[] targets = {into.gate(), into.up(), into.down()};
        for (int i = 0; i < m.length; i++) {
            m[i].decodeValues(part(slot, 2 * i, m[i].values().byteLength()), targets[i]);
            if (m[i].scales() != null) {
                m[i].decodeScales(part(slot, 2 * i + 1, m[i].scales().byteLength()), targets[i]);
            }
        }
        return slotBytes;
    }

    /** Where part {@code index} (values or scales of a matrix) goes in a host slot. */
    ByteBuffer part(ByteBuffer slot, int index, long length) {
        return slot.slice((int) partOffsets[index], (int) length);
    }

    long hits() {
        return hits;
    }

    long lookups() {
        return lookups;
    }

    long bytesCopied() {
        return bytesCopied;
    }
}
