package dev.klotski.engine.plan;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** A made-up model and machine whose figures are chosen by hand, so the planner's answers can be reasoned about. */
final class Synthetic {
    /** 8 layers, all MoE, 8 experts top-2, bf16 experts of 3 x 4096 x 1024 x 2 bytes (24 MiB). */
    static final ModelShape MODEL = new ModelShape("MixtralForCausalLM", 8, IntStream.range(0, 8).boxed().toList(), 8, 2,
            1024, 1024, 256, 4096, 32000, 4096, 3L * 4096 * 1024 * 2, "bf16", 200L << 20);

    private Synthetic() {
    }

    /** A machine whose disk reads at {@code diskBytesPerSecond}; compute figures fixed. */
    static HardwareProfile profile(double diskBytesPerSecond) {
        return new HardwareProfile(HardwareProfile.FORMAT, "2025-01-01T00:00:00Z",
                new HardwareProfile.Machine(2, "test cpu", "Linux", "amd64", "17"), "test-kernels", 2, false,
                "0123456789abcdef", "/models/synthetic", MODEL, diskBytesPerSecond, 2 * diskBytesPerSecond, 10e9,
                Map.of("bf16", new LinearFit(1e-3, 2e-5)), new DenseFit(1e-3, 2e-3, 1e-7), 2e-4,
                new ProbeSettings(1 << 20, 1 << 20, List.of(1, 4), List.of(1, 4), 8, 1, 0));
    }

    /** Inputs at a device budget of {@code slotsPerLayer} experts per layer, disk at 4 GB/s, O_DIRECT. */
    static PlanInputs inputs(int slotsPerLayer, Workload w, long memoryBytes) {
        return inputs(profile(4e9), slotsPerLayer, w, memoryBytes);
    }

    static PlanInputs inputs(HardwareProfile p, int slotsPerLayer, Workload w, long memoryBytes) {
        long device = (long) slotsPerLayer * MODEL.moeLayerCount() * MODEL.expertBytes();
        return new PlanInputs(MODEL, p, device, 0, true, w, memoryBytes, null);
    }
}
