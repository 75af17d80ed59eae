package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.engine.offload.DiskProbe;
import dev.klotski.engine.offload.OffloadFactory;
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
        if (args.deviceBudget == null && modes.stream().anyMatch(m -> m != BenchModes.RESIDENT)) {
            throw new IllegalArgumentException("bench --modes compares offloading designs under one device budget: "
                    + "give --device-budget (25%, 2GiB, ...)");
        }
        if (bench.prompts < 1 || bench.batchSize < 1) {
            throw new IllegalArgumentException("--prompts and --batch-size must be >= 1");
        }
        EngineOptions user = args.toOptions();
        GroupOptions klotskiGroup = klotskiGroup();
        double disk = DiskProbe.sequentialBytesPerSecond(BenchCommand.safetensorsFiles(args.model), 4L << 30);
        List<ObjectNode> runs = new ArrayList<>();
        try (Progress progress = new Progress("bench", modes.size(), bench.format == GenerateCommand.OutputFormat.json)) {
            for (BenchModes mode : modes) {
                EngineOptions options = mode.options(user, bench.batchSize, klotskiGroup);
                if (options.traceFile() != null && modes.size() > 1) {
                    options = options.withTraceFile(BenchCommand.traceFor(options.traceFile(), mode.label));
                }
                runs.add(ModeBenchmark.run(mode, options, bench.prompts, bench::randomRequests));
                progress.update(runs.size());
            }
        }
        addRoofline(runs, disk);
        print(runs, disk);
        return 0;
    }

    /** Klotski's group: every prompt in one group (n = prompts / B), unless overridden. */
    private GroupOptions klotskiGroup() {
        int n = bench.groupBatches != null ? bench.groupBatches
                : (bench.prompts + bench.batchSize - 1) / bench.batchSize;
        int tokens = bench.passTokens != null ? bench.passTokens
                : (int) Math.min(DEFAULT_PASS_TOKENS, Math.max(GroupOptions.DEFAULT_PASS_TOKENS,
                        (long) bench.prompts * bench.promptTokens));
        double pool = bench.poolShare != null ? bench.poolShare : DEFAULT_POOL_SHARE;
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
            root.put("device_budget", args.deviceBudget);
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
