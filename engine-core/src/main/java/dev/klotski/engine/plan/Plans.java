package dev.klotski.engine.plan;

import dev.klotski.engine.offload.ByteBudget;
import dev.klotski.engine.offload.RoutingProfile;
import java.nio.file.Path;

/**
 * Plans from budgets as users write them ("25%", "2GiB"), shared by {@code klotski plan}, {@code bench} and the
 * engines that let the planner choose their group.
 */
public final class Plans {
    /** Share of the heap left after the weights that KV caches and activations may plan on. */
    public static final double MEMORY_SHARE = 0.8;

    private Plans() {
    }

    /**
     * The plan for these budgets (host may be null) and workload, with {@code memoryBytes} for KV and activations
     * (or, when null, the share of this JVM's heap left after the dense weights and the compute tier).
     */
    public static Plan forBudgets(HardwareProfile hw, String deviceBudget, String hostBudget, boolean directIo,
                                  Workload workload, Long memoryBytes, Path routingProfile) {
        ModelShape shape = hw.model();
        long device = bytes(deviceBudget, "--device-budget", shape);
        long host = hostBudget == null ? 0 : bytes(hostBudget, "--host-budget", shape);
        long memory = memoryBytes != null ? memoryBytes : heapMemory(shape, device);
        RoutingProfile routing = routingProfile == null ? null : RoutingProfile.read(routingProfile);
        return Planner.plan(new PlanInputs(shape, hw, device, host, directIo, workload, memory, routing));
    }

    /** A budget text resolved against the model's expert bytes; errors name the option. */
    public static long bytes(String text, String option, ModelShape shape) {
        try {
            return ByteBudget.parse(text).resolve(shape.totalExpertBytes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /** On the CPU backend KV and activations share the heap with the dense weights and the compute tier. */
    static long heapMemory(ModelShape shape, long device) {
        long free = Runtime.getRuntime().maxMemory() - shape.denseBytes() - Math.min(device, shape.totalExpertBytes());
        long memory = (long) (free * MEMORY_SHARE);
        if (memory < 1) {
            throw new IllegalArgumentException("this JVM's heap (" + Runtime.getRuntime().maxMemory()
                    + " bytes) leaves nothing for KV after the weights; give --kv-memory SIZE for the engine's heap");
        }
        return memory;
    }
}
