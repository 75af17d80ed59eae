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
}
