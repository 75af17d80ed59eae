package dev.klotski.engine.cli;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.api.PlannedGroup;
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
                    + "--group-batch-size; default: the plan's with --device-budget, else as many sequences as the KV "
                    + "memory holds).")
    Integer groupBatches;

    @Option(names = "--group-batch-size", paramLabel = "B",
            description = "Sequences per batch of the group (default: the plan's with --device-budget).")
    Integer groupBatchSize;

    @Option(names = "--pass-tokens", paramLabel = "T",
            description = "Most tokens in one forward pass (default: the plan's with --device-budget, else 2048).")
    Integer passTokens;

    @Option(names = "--pool-share", paramLabel = "F",
            description = "Share of the offloaded experts' slots lent to the layer that is loading, so loads run "
                    + "ahead of compute, in [0, 1) (default: the plan's with --device-budget, else 0).")
    Double poolShare;

    @Option(names = "--no-plan",
            description = "With --device-budget, run the default group instead of the planner's (generate and batch "
                    + "plan it from this machine's cached hardware profile, keeping the group flags given).")
    boolean noPlan;

    /**
     * The options, with the planner's group where the group flags leave it open and experts are offloaded; the
     * planner's note (its choice, or why the default runs) goes to {@code err}.
     */
    EngineOptions plannedOptions(PlannedGroup.Hint hint, java.io.PrintWriter err) {
        EngineOptions options = toOptions();
        if (noPlan) {
            return options;
        }
        PlannedGroup.Choice choice = PlannedGroup.choose(options, given(), hint);
        if (choice.note() != null) {
            err.println("klotski: " + choice.note());
            err.flush();
        }
        return choice.options();
    }

    /** The group options these flags give (defaults for those not given). */
    GroupOptions group() {
        return given().withDefaults();
    }

    private PlannedGroup.Given given() {
        return new PlannedGroup.Given(groupBatches, groupBatchSize, passTokens, poolShare);
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
