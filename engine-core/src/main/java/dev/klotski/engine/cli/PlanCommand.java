package dev.klotski.engine.cli;

import dev.klotski.engine.offload.ByteBudget;
import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.ModelShape;
import dev.klotski.engine.plan.Plan;
import dev.klotski.engine.plan.PlanInputs;
import dev.klotski.engine.plan.Planner;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.ProfileCache;
import dev.klotski.engine.plan.ProfileKey;
import dev.klotski.engine.plan.Workload;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code klotski plan}: fit an offloaded run to this machine and predict its throughput. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Plan an offloaded run (Klotski's planner): group size n, batch size, prefill pass size, prefetch depth, pins and where KV lives, with the predicted throughput and a reason for each choice. Uses the cached hardware profile, measuring it once if there is none.")
final class PlanCommand implements Callable<Integer> {
    /** Share of the free memory KV and activations may take, as the engine's own KV check allows. */
    private static final double MEMORY_SHARE = 0.8;

    @Spec
    CommandSpec spec;

    @Mixin
    HardwareArgs hardware;

    @Option(names = "--device-budget", required = true, paramLabel = "SIZE",
            description = "Bytes of routed experts the compute tier may hold (2GiB, 512MiB, or 25%% of the expert bytes).")
    String deviceBudget;

    @Option(names = "--host-budget", paramLabel = "SIZE", description = "Bytes of routed experts a host tier may hold (same forms).")
    String hostBudget;

    @Option(names = "--direct-io", description = "Experts will be read with O_DIRECT (plan with the disk's rate, not the page cache's).")
    boolean directIo;

    @Option(names = "--prompts", defaultValue = "64", paramLabel = "N", description = "Prompts to complete (default ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--prompt-tokens", defaultValue = "512", paramLabel = "P", description = "Tokens per prompt (default ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "G", description = "Tokens generated per prompt (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--batch-size", paramLabel = "B", description = "Sequences per batch (default: the planner chooses).")
    Integer batchSize;

    @Option(names = "--kv-memory", paramLabel = "SIZE",
            description = "Memory for KV caches and activations (default: 80%% of this JVM's heap left after the dense weights and the device budget).")
    String kvMemory;

    @Option(names = "--profile", paramLabel = "FILE",
            description = "Hardware profile to use, measured and written there if absent (default: the cache, see profile-hw).")
    Path profile;

    @Option(names = "--routing-profile", paramLabel = "FILE",
            description = "A routing profile (klotski profile): expert popularity instead of near-uniform routing, and pins.")
    Path routingProfile;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Lines with reasons, or one JSON object.")
    GenerateCommand.OutputFormat format;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        HardwareProber prober = hardware.prober(ProbeSettings.DEFAULT, err);
        ProfileKey key = prober.key(hardware.model);
        Path file = profile != null ? profile : ProfileCache.defaultFile(key);
        HardwareProfile hw = ProfileCache.loadOrMeasure(file, profile != null, key, () -> prober.measure(hardware.model),
                line -> {
                    err.println(line);
                    err.flush();
                });
        ModelShape shape = hw.model();
        long device = bytes(deviceBudget, "--device-budget", shape);
        long host = hostBudget == null ? 0 : bytes(hostBudget, "--host-budget", shape);
        Workload workload;
        try {
            workload = new Workload(prompts, promptTokens, newTokens, batchSize);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long memory = kvMemory != null ? bytes(kvMemory, "--kv-memory", shape) : defaultMemory(shape, device);
        RoutingProfile routing = routingProfile == null ? null : RoutingProfile.read(routingProfile);
        Plan plan = Planner.plan(new PlanInputs(shape, hw, device, host, directIo, workload, memory, routing));
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            out.println(plan.toJson());
        } else {
            out.print(plan.toText());
        }
        out.flush();
        return 0;
    }

    private long bytes(String text, String option, ModelShape shape) {
        try {
            return ByteBudget.parse(text).resolve(shape.totalExpertBytes());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /** On the CPU backend KV and activations share the heap with the dense weights and the compute tier. */
    private long defaultMemory(ModelShape shape, long device) {
        long free = Runtime.getRuntime().maxMemory() - shape.denseBytes() - Math.min(device, shape.totalExpertBytes());
        long memory = (long) (free * MEMORY_SHARE);
        if (memory < 1) {
            throw new ParameterException(spec.commandLine(), "this JVM's heap (" + Runtime.getRuntime().maxMemory()
                    + " bytes) leaves nothing for KV after the weights; give --kv-memory SIZE for the engine's heap");
        }
        return memory;
    }
}
