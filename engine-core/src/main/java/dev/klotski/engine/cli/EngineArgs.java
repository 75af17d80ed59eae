package dev.klotski.engine.cli;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GroupOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by every command that opens an engine. */
final class EngineArgs {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HuggingFace model folder (config.json, *.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--batch-invariant",
            description = "Fixed-order kernels: a row's logits never depend on what else is in its batch (slower).")
    boolean batchInvariant;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--device-budget", paramLabel = "SIZE",
            description = "Offload routed experts: the compute tier holds at most this many bytes of them "
                    + "(2GiB, 512MiB, or 25%% of the expert bytes). Default: every expert resident.")
    String deviceBudget;

    @Option(names = "--host-budget", paramLabel = "SIZE",
            description = "A host tier of offloaded experts kept off-heap between storage and the compute tier "
                    + "(same forms as --device-budget; pays off with --direct-io).")
    String hostBudget;

    @Option(names = "--policy", paramLabel = "P", defaultValue = "lru",
            description = "Which expert the offloading cache evicts: lru (default), lfu, shallow, activation-aware, pin, "
                    + "forecast (with --prefetch markov).")
    String policy;

    @Option(names = "--prefetch", paramLabel = "Q", defaultValue = "none",
            description = "How offloaded experts load ahead of need: none (default), next-gate, correlation, markov, eam.")
    String prefetch;

    @Option(names = "--direct-io", description = "Read offloaded experts with O_DIRECT (the disk, not the page cache).")
    boolean directIo;

    @Option(names = "--routing-profile", paramLabel = "FILE",
            description = "A routing profile from klotski profile: what pin pins and correlation, markov and eam start from.")
    java.nio.file.Path routingProfile;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Write a Chrome trace (JSON; open in https://ui.perfetto.dev) of passes, layers, experts "
                    + "computed, expert loads per reader and waits for them, when the engine closes.")
    java.nio.file.Path trace;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "2", description = "Threads that read offloaded experts.")
    int ioThreads;

    @Option(names = "--group-batches", paramLabel = "N",
            description = "Batches that advance through each layer together, sharing its expert loads (with "
                    + "--group-batch-size; default: as many sequences as the KV memory holds; bench klotski: the plan's).")
    Integer groupBatches;

    @Option(names = "--group-batch-size", paramLabel = "B", description = "Sequences per batch of the group.")
    Integer groupBatchSize;

    @Option(names = "--pass-tokens", paramLabel = "T",
            description = "Most tokens in one forward pass (default 2048; bench klotski: the plan's).")
    Integer passTokens;

    @Option(names = "--pool-share", paramLabel = "F",
            description = "Share of the offloaded experts' slots lent to the layer that is loading, so loads run "
                    + "ahead of compute, in [0, 1) (default 0; bench klotski: the plan's).")
    Double poolShare;

    /** The group options these flags give (defaults for those not given). */
    GroupOptions group() {
        int n = groupBatches != null ? groupBatches : 0;
        int b = groupBatchSize != null ? groupBatchSize : n == 0 ? 0 : 1;
        return new GroupOptions(n, b, passTokens != null ? passTokens : GroupOptions.DEFAULT_PASS_TOKENS, true,
                poolShare != null ? poolShare : 0);
    }

    EngineOptions toOptions() {
        return toOptions(policy, prefetch);
    }

    /** The options with a given policy and prefetcher (bench runs several). */
    EngineOptions toOptions(String expertPolicy, String prefetcher) {
        EngineOptions.Builder b = EngineOptions.builder(model).optBatchInvariant(batchInvariant)
                .optDeviceBudget(deviceBudget).optHostBudget(hostBudget).optExpertPolicy(expertPolicy).optPrefetch(prefetcher)
                .optDirectIo(directIo).optIoThreads(ioThreads).optRoutingProfile(routingProfile).optTraceFile(trace)
                .optGroup(group());
        if (threads != null) {
            b.optThreads(threads);
        }
        return b.build();
    }
}
