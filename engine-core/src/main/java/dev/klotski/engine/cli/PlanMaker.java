package dev.klotski.engine.cli;

import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.ProfileCache;
import dev.klotski.engine.plan.ProfileKey;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What {@code plan} and {@code bench} share: the hardware profile for a model and its kernels (the cached one, or
 * measured once and cached).
 */
final class PlanMaker {
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
}
