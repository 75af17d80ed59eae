package dev.klotski.engine.cli;

import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.Plan;
import dev.klotski.engine.plan.Plans;
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
        HardwareProfile hw = PlanMaker.profile(hardware.model, hardware.threads(), hardware.batchInvariant, profile, err);
        Workload workload;
        try {
            workload = new Workload(prompts, promptTokens, newTokens, batchSize);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Plan plan;
        try {
            Long memory = kvMemory == null ? null : Plans.bytes(kvMemory, "--kv-memory", hw.model());
            plan = Plans.forBudgets(hw, deviceBudget, hostBudget, directIo, workload, memory, routingProfile);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("--")) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            out.println(plan.toJson());
        } else {
            out.print(plan.toText());
        }
        out.flush();
        return 0;
    }
}
