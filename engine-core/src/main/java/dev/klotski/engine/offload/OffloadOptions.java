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
 * @param overlap      loads run while compute goes on (false: the load-on-demand baseline, where compute waits
 *                     for each load and a load starts only when compute asks for its expert)
 * @param poolShare    share of the compute tier's slots lent to whichever layer is loading, in [0, 1): loads then
 *                     run ahead of compute by up to that many experts; the rest are per-layer cache slots
 */
public record OffloadOptions(ByteBudget deviceBudget, ByteBudget hostBudget, String policy, String prefetch, boolean directIo,
                             int ioThreads, Path profile, boolean overlap, double poolShare) {

    /** Overlapped loads and per-layer slots only, as the engine runs by default. */
    public OffloadOptions(ByteBudget deviceBudget, ByteBudget hostBudget, String policy, String prefetch,
                          boolean directIo, int ioThreads, Path profile) {
        this(deviceBudget, hostBudget, policy, prefetch, directIo, ioThreads, profile, true, 0);
    }

    public OffloadOptions {
        Objects.requireNonNull(deviceBudget, "deviceBudget");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(prefetch, "prefetch");
        if (!(poolShare >= 0 && poolShare < 1)) {
            throw new IllegalArgumentException("the pool share must be in [0, 1), got " + poolShare);
        }
        if (ioThreads < 1 || ioThreads > 64) {
            throw new IllegalArgumentException("io threads must be in [1, 64], got " + ioThreads);
        }
    }
}
