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

/**
 * What {@code plan} and {@code bench} share: the hardware profile for a model and its kernels (the cached one, or
 * measured once and cached), and the plan for budgets and a workload.
 */
final class PlanMaker {
    /** Share of the heap left after the weights that KV caches and activations may plan on. */
    static final double MEMORY_SHARE = 0.8;

    private PlanMaker() {
    }

    /** The cached profile of {@code model} for these kernels, or one measured now (steps reported on err). */
    static HardwareProfile profile(Path model, int threads, boolean batchInvariant, Path named, PrintWriter err) {
        HardwareProber prober = new HardwareProber(threads, batchInvariant, ProbeSettings.DEFAULT, line -> {
            err.println(line);
            err.flush();
        });
        ProfileKey key = prober.key(model);
        Path file = named != null ? named : ProfileCache.defaultFile(key);
        return ProfileCache.loadOrMeasure(file, named != null, key, () -> prober.measure(model), line -> {
            err.println(line);
            err.flush();
        });
    }

    /**
     * The plan for these budgets (texts as --device-budget takes them; host may be null) and workload, with
     * {@code memoryBytes} for KV and activations (or, when null, the share of this JVM's heap left after the dense
     * weights and the compute tier).
     */
    static Plan plan(HardwareProfile hw, String deviceBudget, String hostBudget, boolean directIo, Workload workload,
                     Long memoryBytes, Path routingProfile) {
        ModelShape shape = hw.model();
        long device = bytes(deviceBudget, "--device-budget", shape);
        long host = hostBudget == null ? 0 : bytes(hostBudget, "--host-budget", shape);
        long memory = memoryBytes != null ? memoryBytes : heapMemory(shape, device);
        RoutingProfile routing = routingProfile == null ? null : RoutingProfile.read(routingProfile);
        return Planner.plan(new PlanInputs(shape, hw, device, host, directIo, workload, memory, routing));
    }

    static long bytes(String text, String option, ModelShape shape) {
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
