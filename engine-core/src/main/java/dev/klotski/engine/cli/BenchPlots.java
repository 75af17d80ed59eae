package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charts {@code bench --modes --plot DIR} writes: {@code modes.png}, tokens/s of every mode at the first
 * budget, and, with several budgets, {@code budgets.png}, tokens/s of each offloading mode against the device
 * budget, with klotski's planned figure beside its measured one.
 */
final class BenchPlots {
    private BenchPlots() {
    }

    static void write(Path dir, List<ObjectNode> runs, BenchCommand bench) throws IOException {
        String first = runs.stream().filter(r -> !r.get("mode").asText().equals("resident"))
                .map(r -> r.get("device_budget").asText()).findFirst().orElse("100%");
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (ObjectNode r : runs) {
            String mode = r.get("mode").asText();
            if (mode.equals("resident") || r.get("device_budget").asText().equals(first)) {
                labels.add(mode);
                values.add(r.get("tokens_per_s").asDouble());
            }
        }
        String workload = String.format("%d prompts x %d tokens, %d new, B = %d", bench.prompts, bench.promptTokens,
                bench.newTokens, bench.batchSize);
        BenchCharts.bars(dir.resolve("modes.png"), "tokens/s per mode, device budget " + first + " (" + workload + ")",
                "generated tokens/s", labels, values);
        Map<String, Map<Double, Double>> byMode = new LinkedHashMap<>();
        for (ObjectNode r : runs) {
            String mode = r.get("mode").asText();
            Double share = percent(r.get("device_budget").asText());
            if (mode.equals("resident") || share == null) {
                continue;
            }
            byMode.computeIfAbsent(mode, m -> new java.util.TreeMap<>()).put(share, r.get("tokens_per_s").asDouble());
            if (r.has("predicted_tokens_per_s")) {
                byMode.computeIfAbsent("klotski (planned)", m -> new java.util.TreeMap<>())
                        .put(share, r.get("predicted_tokens_per_s").asDouble());
            }
        }
        List<Double> xs = byMode.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
        if (xs.size() < 2) {
            return;
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        byMode.forEach((mode, points) -> {
            if (points.keySet().containsAll(xs)) {
                series.put(mode, xs.stream().map(points::get).toList());
            }
        });
        BenchCharts.lines(dir.resolve("budgets.png"), "tokens/s against the device budget (" + workload + ")",
                "device budget (share of the expert bytes)", "generated tokens/s", xs, series);
    }

    /** 25% -> 25.0; null for a budget in bytes. */
    private static Double percent(String budget) {
        return budget.endsWith("%") ? Double.valueOf(budget.substring(0, budget.length() - 1)) : null;
    }
}
