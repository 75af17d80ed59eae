package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.offload.DiskProbe;
import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.Plan;
import dev.klotski.engine.plan.Plans;
import dev.klotski.engine.plan.Workload;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code klotski bench --modes}: each mode on the same prompts in one process, one after another, with the disk's
 * O_DIRECT sequential bandwidth measured first; klotski's run also gets its roofline, max(resident wall time,
 * its bytes read / disk bandwidth), when resident ran too.
 */
final class ModesBenchCommand {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest prefill pass klotski takes without a plan: one pass per layer load, activations ~0.6 GB here. */
    private static final int DEFAULT_PASS_TOKENS = 8192;

    /** Half the slots stream a layer ahead, half keep each layer's experts between steps (without a plan). */
    private static final double DEFAULT_POOL_SHARE = 0.5;

    private final BenchCommand bench;

    ModesBenchCommand(BenchCommand bench) {
        this.bench = bench;
    }

    Integer call() throws Exception {
        List<BenchModes> modes = BenchModes.parseAll(bench.modes);
        EngineArgs args = bench.engine;
        List<String> budgets = bench.budgets != null ? List.of(bench.budgets)
                : args.deviceBudget != null ? List.of(args.deviceBudget) : List.of();
        if (budgets.isEmpty() && modes.stream().anyMatch(m -> m != BenchModes.RESIDENT)) {
            throw new IllegalArgumentException("bench --modes compares offloading designs under one device budget: "
                    + "give --device-budget (25%, 2GiB, ...) or --budgets");
        }
        if (bench.prompts < 1 || bench.batchSize < 1) {
            throw new IllegalArgumentException("--prompts and --batch-size must be >= 1");
        }
        double disk = DiskProbe.sequentialBytesPerSecond(BenchCommand.safetensorsFiles(args.model), 4L << 30);
        PrintWriter err = bench.spec.commandLine().getErr();
        List<ObjectNode> runs = new ArrayList<>();
        int total = (int) modes.stream().filter(m -> m == BenchModes.RESIDENT).count()
                + (int) modes.stream().filter(m -> m != BenchModes.RESIDENT).count() * Math.max(1, budgets.size());
        try (Progress progress = new Progress("bench", total, bench.format == GenerateCommand.OutputFormat.json)) {
            boolean residentDone = false;
            for (String budget : budgets.isEmpty() ? List.of("100%") : budgets) {
                EngineOptions base = args.toOptions();
                EngineOptions user = base.withOffload(budget, base.hostBudget(), base.expertPolicy(), base.prefetch());
                Plan plan = modes.contains(BenchModes.KLOTSKI) || modes.contains(BenchModes.RESIDENT)
                        ? klotskiPlan(user, err) : null;
                GroupOptions klotskiGroup = klotskiGroup(plan);
                for (BenchModes mode : modes) {
                    if (mode == BenchModes.RESIDENT && residentDone) {
                        continue; // the budget does not matter to it
                    }
                    EngineOptions options = mode.options(user, bench.batchSize, klotskiGroup);
                    if (options.traceFile() != null && total > 1) {
                        options = options.withTraceFile(BenchCommand.traceFor(options.traceFile(),
                                mode.label + (budgets.size() > 1 ? "-" + budget.replace("%", "pct") : "")));
                    }
                    ObjectNode run = ModeBenchmark.run(mode, options, bench.prompts, bench::randomRequests);
                    run.put("device_budget", mode == BenchModes.RESIDENT ? "100%" : budget);
                    if (mode == BenchModes.KLOTSKI && plan != null) {
                        run.put("predicted_tokens_per_s", Math.round(plan.predictedTokensPerSecond() * 10) / 10.0);
                        run.put("pool_share", klotskiGroup.poolShare());
                    }
                    runs.add(run);
                    residentDone |= mode == BenchModes.RESIDENT;
                    progress.update(runs.size());
                }
            }
        }
        addRoofline(runs, disk);
        print(runs, disk);
        if (bench.plot != null) {
            BenchPlots.write(bench.plot, runs, bench);
        }
        return 0;
    }

    /** The planner's choice for klotski at this budget, unless every part of it is overridden. */
    private Plan klotskiPlan(EngineOptions user, PrintWriter err) {
        if (bench.engine.noPlan
                || bench.engine.groupBatches != null && bench.engine.passTokens != null && bench.engine.poolShare != null) {
            return null;
        }
        HardwareProfile hw = PlanMaker.profile(user.modelDir(), user.threads(), user.batchInvariant(), null, err);
        Workload w = new Workload(bench.prompts, bench.promptTokens, Math.max(1, bench.newTokens), bench.batchSize);
        Plan plan = Plans.forBudgets(hw, user.deviceBudget(), user.hostBudget(), user.directIo(), w, null,
                user.routingProfile());
        err.println("klotski plan at " + user.deviceBudget() + ":");
        err.print(plan.toText());
        err.flush();
        return plan;
    }

    /** Klotski's group: the plan's, with the overrides given. */
    private GroupOptions klotskiGroup(Plan plan) {
        int n = bench.engine.groupBatches != null ? bench.engine.groupBatches
                : plan != null ? plan.groupBatches() : (bench.prompts + bench.batchSize - 1) / bench.batchSize;
        int tokens = bench.engine.passTokens != null ? bench.engine.passTokens
                : plan != null ? plan.passTokens() : GroupOptions.DEFAULT_PASS_TOKENS;
        double pool = bench.engine.poolShare != null ? bench.engine.poolShare : plan != null ? plan.poolShare() : 0;
        return new GroupOptions(n, bench.batchSize, tokens, true, pool);
    }

    /** Klotski's roofline: it can be no faster than the resident engine, nor than its reads at disk speed. */
    private static void addRoofline(List<ObjectNode> runs, double diskBytesPerSecond) {
        ObjectNode resident = runs.stream().filter(r -> r.get("mode").asText().equals("resident")).findFirst()
                .orElse(null);
        for (ObjectNode r : runs) {
            if (!r.get("mode").asText().equals("klotski") || resident == null || diskBytesPerSecond <= 0) {
                continue;
            }
            double roofline = Math.max(resident.get("wall_s").asDouble(),
                    r.get("bytes_read").asLong() / diskBytesPerSecond);
            r.put("roofline_s", Math.round(roofline * 1000) / 1000.0);
            r.put("wall_over_roofline", Math.round(r.get("wall_s").asDouble() / roofline * 1000) / 1000.0);
        }
    }

    private void print(List<ObjectNode> runs, double disk) throws Exception {
        PrintWriter out = bench.spec.commandLine().getOut();
        EngineArgs args = bench.engine;
        if (bench.format == GenerateCommand.OutputFormat.json) {
            ObjectNode root = JSON.createObjectNode();
            root.put("model", args.model.toString());
            root.put("prompts", bench.prompts);
            root.put("prompt_tokens", bench.promptTokens);
            root.put("new_tokens", bench.newTokens);
            root.put("batch_size", bench.batchSize);
            root.put("device_budget", bench.budgets != null ? String.join(",", bench.budgets) : args.deviceBudget);
            if (args.hostBudget != null) {
                root.put("host_budget", args.hostBudget);
            }
            root.put("direct_io", args.directIo);
            root.put("disk_bytes_per_s", Math.round(disk));
            ArrayNode list = root.putArray("runs");
            runs.forEach(list::add);
            out.println(JSON.writeValueAsString(root));
        } else {
            out.printf("model %s, %d prompts of %d tokens, %d new tokens, batch size %d, device budget %s%s; "
                            + "disk %.2f GB/s (O_DIRECT, sequential)%n", args.model, bench.prompts, bench.promptTokens,
                    bench.newTokens, bench.batchSize, args.deviceBudget,
                    args.hostBudget == null ? "" : ", host budget " + args.hostBudget, disk / 1e9);
            out.printf("%-16s %5s %10s %10s %10s %9s %9s %8s %12s %8s %10s%n", "mode", "n x b", "tokens/s",
                    "prefill/s", "decode/s", "wall s", "compute s", "hit rate", "bytes read", "bubble", "/roofline");
            for (ObjectNode r : runs) {
                out.printf("%-16s %5s %10.1f %10.1f %10.1f %9.2f %9.2f %8.3f %12s %8.3f %10s%n", r.get("mode").asText(),
                        r.get("group_batches").asInt() + "x" + r.get("batch_size").asInt(),
                        r.get("tokens_per_s").asDouble(), r.get("prefill_tokens_per_s").asDouble(),
                        r.get("decode_tokens_per_s").asDouble(), r.get("wall_s").asDouble(),
                        r.get("compute_s").asDouble(), r.get("hit_rate").asDouble(),
                        OffloadFactory.human(r.get("bytes_read").asLong()), r.get("bubble_fraction").asDouble(),
                        r.has("wall_over_roofline") ? String.format("%.2f", r.get("wall_over_roofline").asDouble()) : "");
            }
        }
        out.flush();
    }
}
