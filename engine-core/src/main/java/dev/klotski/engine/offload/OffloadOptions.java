package dev.klotski.engine.offload;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to offload routed experts.
 *
 * @param deviceBudget bytes of expert weights the compute tier may hold (a hard limit)
 * @param hostBudget   bytes of expert weights the host tier may hold, or null for no host tier
 * @param policy       which expert the cache evicts: lru, lfu, shallow, activation-aware, pin
 * @param prefetch     how experts are loaded ahead of need: none, next-gate, correlation, eam
 * @param directIo     read the checkpoint with O_DIRECT (measures the disk, not the page cache)
 * @param ioThreads    threads that read experts
 * @param profile      a routing profile from {@code klotski profile} (correlation prefetch, pinning), or null
 */
public record OffloadOptions(ByteBudget deviceBudget, ByteBudget hostBudget, String policy, String prefetch, boolean directIo,
                             int ioThreads, Path profile) {

    public OffloadOptions {
        Objects.requireNonNull(deviceBudget, "deviceBudget");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(prefetch, "prefetch");
        if (ioThreads < 1 || ioThreads > 64) {
            throw new IllegalArgumentException("io threads must be in [1, 64], got " + ioThreads);
        }
    }

    /** LRU, no prefetch, two reader threads, page-cached reads. */
    public static OffloadOptions of(ByteBudget deviceBudget) {
        return new OffloadOptions(deviceBudget, null, "lru", "none", false, 2, null);
    }

    public OffloadOptions withPolicy(String p) {
        return new OffloadOptions(deviceBudget, hostBudget, p, prefetch, directIo, ioThreads, profile);
    }

    public OffloadOptions withPrefetch(String p) {
        return new OffloadOptions(deviceBudget, hostBudget, policy, p, directIo, ioThreads, profile);
    }

    public OffloadOptions withDirectIo(boolean on) {
        return new OffloadOptions(deviceBudget, hostBudget, policy, prefetch, on, ioThreads, profile);
    }

    public OffloadOptions withIoThreads(int n) {
        return new OffloadOptions(deviceBudget, hostBudget, policy, prefetch, directIo, n, profile);
    }

    public OffloadOptions withProfile(Path p) {
        return new OffloadOptions(deviceBudget, hostBudget, policy, prefetch, directIo, ioThreads, p);
    }
}
