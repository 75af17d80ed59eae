package dev.klotski.engine.api;

import dev.klotski.engine.offload.ByteBudget;
import dev.klotski.engine.offload.OffloadOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open an engine. Build with {@link #builder(Path)}: the model folder is required, the rest optional.
 *
 * @param modelDir       a HuggingFace model folder (config.json, safetensors, tokenizer.json)
 * @param batchInvariant fixed-order kernels so a row's logits never depend on its batch (slower)
 * @param threads        compute threads (defaults to the available processors)
 * @param device         "cpu", or "cuda:N" once the CUDA backend exists
 * @param deviceBudget   bytes of routed experts the compute tier may hold ("2GiB", "25%" of the expert bytes);
 *                       null holds every expert (no offloading)
 * @param hostBudget     bytes of routed experts a host tier keeps off-heap between storage and the compute tier
 *                       (same forms as deviceBudget); null for none
 * @param expertPolicy   which expert the offloading cache evicts (lru, lfu, shallow, activation-aware, pin)
 * @param prefetch       how experts are loaded ahead of need (none, next-gate, correlation, eam)
 * @param directIo       read offloaded experts with O_DIRECT (measures the disk, not the page cache)
 * @param ioThreads      threads that read offloaded experts
 * @param routingProfile a file from {@code klotski profile} (correlation prefetch, pinning), or null
 * @param traceFile      where to write a Chrome trace of the engine's passes, layers, experts and loads when it
 *                       closes (opens in Perfetto), or null
 * @param group          how many sequences advance together, tokens per pass, overlapped loads
 */
public record EngineOptions(Path modelDir, boolean batchInvariant, int threads, String device, String deviceBudget,
                            String hostBudget, String expertPolicy, String prefetch, boolean directIo, int ioThreads,
                            Path routingProfile, Path traceFile, GroupOptions group) {

    /** The options with the default group (every sequence the KV budget holds). */
    public EngineOptions(Path modelDir, boolean batchInvariant, int threads, String device, String deviceBudget,
                         String hostBudget, String expertPolicy, String prefetch, boolean directIo, int ioThreads,
                         Path routingProfile, Path traceFile) {
        this(modelDir, batchInvariant, threads, device, deviceBudget, hostBudget, expertPolicy, prefetch, directIo,
                ioThreads, routingProfile, traceFile, GroupOptions.DEFAULT);
    }

    public EngineOptions {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(expertPolicy, "expertPolicy");
        Objects.requireNonNull(prefetch, "prefetch");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (deviceBudget != null) {
            ByteBudget.parse(deviceBudget); // a bad budget fails here, before any loading
        }
        if (hostBudget != null) {
            ByteBudget.parse(hostBudget);
            if (deviceBudget == null) {
                throw new IllegalArgumentException("a host budget needs a device budget: without --device-budget "
                        + "every expert is resident and there is nothing to offload");
            }
        }
        if (!POLICIES.contains(expertPolicy)) {
            throw new IllegalArgumentException("unknown cache policy '" + expertPolicy + "'; choose "
                    + String.join(", ", POLICIES));
        }
        if (!PREFETCHERS.contains(prefetch)) {
            throw new IllegalArgumentException("unknown prefetcher '" + prefetch + "'; choose "
                    + String.join(", ", PREFETCHERS));
        }
        if (ioThreads < 1 || ioThreads > 64) {
            throw new IllegalArgumentException("io threads must be in [1, 64], got " + ioThreads);
        }
    }

    /**
     * Throws an {@link IllegalArgumentException} naming the accepted forms unless {@code text} is a budget:
     * bytes with an optional unit (4096, 512MiB, 2GiB, 1.5GB) or a share of the expert bytes (25%).
     */
    public static void checkBudget(String text) {
        ByteBudget.parse(text);
    }

    /** The cache policies {@code expertPolicy} may name. */
    public static final java.util.List<String> POLICIES = dev.klotski.engine.offload.CachePolicies.NAMES;
    /** The prefetchers {@code prefetch} may name. */
    public static final java.util.List<String> PREFETCHERS = dev.klotski.engine.offload.Prefetchers.NAMES;

    /** Every expert resident: the options before offloading existed. */
    public EngineOptions(Path modelDir, boolean batchInvariant, int threads, String device) {
        this(modelDir, batchInvariant, threads, device, null, null, "lru", "none", false, 2, null, null);
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** Whether routed experts are offloaded (a device budget is set). */
    public boolean offloaded() {
        return deviceBudget != null;
    }

    /** The offloading settings, or null when every expert is resident. */
    OffloadOptions offload() {
        return deviceBudget == null ? null : new OffloadOptions(ByteBudget.parse(deviceBudget),
                hostBudget == null ? null : ByteBudget.parse(hostBudget), expertPolicy, prefetch,
                directIo, ioThreads, routingProfile, group.overlapIo(), group.poolShare());
    }

    /** The same options for another model folder. */
    public EngineOptions withModelDir(Path dir) {
        return new EngineOptions(dir, batchInvariant, threads, device, deviceBudget, hostBudget, expertPolicy, prefetch, directIo,
                ioThreads, routingProfile, traceFile, group);
    }

    /** The same options writing their trace to {@code file} (null: none). */
    public EngineOptions withTraceFile(Path file) {
        return new EngineOptions(modelDir, batchInvariant, threads, device, deviceBudget, hostBudget, expertPolicy,
                prefetch, directIo, ioThreads, routingProfile, file, group);
    }

    /** The same options with other budgets (null device budget: every expert resident), policy and prefetcher. */
    public EngineOptions withOffload(String device, String host, String policy, String prefetcher) {
        return new EngineOptions(modelDir, batchInvariant, threads, this.device, device, host, policy, prefetcher,
                directIo, ioThreads, routingProfile, traceFile, group);
    }

    /** The same options with another group shape. */
    public EngineOptions withGroup(GroupOptions g) {
        return new EngineOptions(modelDir, batchInvariant, threads, device, deviceBudget, hostBudget, expertPolicy,
                prefetch, directIo, ioThreads, routingProfile, traceFile, g);
    }

    /** Builder: {@code opt*} methods set optional fields. */
    public static final class Builder {
        private final Path modelDir;
        private boolean batchInvariant;
        private int threads = Runtime.getRuntime().availableProcessors();
        private String device = "cpu";
        private String deviceBudget;
        private String hostBudget;
        private String expertPolicy = "lru";
        private String prefetch = "none";
        private boolean directIo;
        private int ioThreads = 2;
        private Path routingProfile;
        private Path traceFile;
        private GroupOptions group = GroupOptions.DEFAULT;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        public Builder optBatchInvariant(boolean on) {
            this.batchInvariant = on;
            return this;
        }

        public Builder optThreads(int n) {
            this.threads = n;
            return this;
        }

        public Builder optDevice(String d) {
            this.device = d;
            return this;
        }

        /** Offloads routed experts within this budget ("2GiB", "512MiB", "25%"); null keeps them all resident. */
        public Builder optDeviceBudget(String budget) {
            this.deviceBudget = budget;
            return this;
        }

        /** A host tier of this many bytes of experts (off-heap) between storage and the compute tier. */
        public Builder optHostBudget(String budget) {
            this.hostBudget = budget;
            return this;
        }

        public Builder optExpertPolicy(String policy) {
            this.expertPolicy = policy;
            return this;
        }

        public Builder optPrefetch(String prefetcher) {
            this.prefetch = prefetcher;
            return this;
        }

        public Builder optDirectIo(boolean on) {
            this.directIo = on;
            return this;
        }

        public Builder optIoThreads(int n) {
            this.ioThreads = n;
            return this;
        }

        public Builder optRoutingProfile(Path profile) {
            this.routingProfile = profile;
            return this;
        }

        /** Writes a Chrome trace of the engine's work to {@code file} when the engine closes. */
        /** n batches of b sequences per group, tokens per pass, overlapped loads. */
        public Builder optGroup(GroupOptions g) {
            this.group = Objects.requireNonNull(g, "group");
            return this;
        }

        public Builder optTraceFile(Path file) {
            this.traceFile = file;
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(modelDir, batchInvariant, threads, device, deviceBudget, hostBudget, expertPolicy, prefetch,
                    directIo, ioThreads, routingProfile, traceFile, group);
        }
    }
}
