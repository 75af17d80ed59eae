package dev.klotski.engine.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * What a hardware profile must have been measured on to apply to a run: the same model folder ({@link ModelKey}:
 * its config.json and the sizes of its weight files, hence its shape), the same compute threads and the same
 * kernels. Another thread count or kernel family changes every compute time; another model every figure.
 */
public record ProfileKey(String modelKey, int threads, boolean batchInvariant, String kernels) {

    /** Why {@code measured} does not apply to this key, one reason each; empty when it does. */
    public List<String> differences(HardwareProfile measured) {
        List<String> out = new ArrayList<>();
        if (!modelKey.equals(measured.modelKey())) {
            out.add("it was measured on another model (" + measured.modelDir() + ": " + measured.model().summary()
                    + ", key " + measured.modelKey() + "; this folder's key is " + modelKey + ")");
        }
        if (threads != measured.threads()) {
            out.add("it was measured with " + measured.threads() + " threads; this run uses " + threads);
        }
        if (batchInvariant != measured.batchInvariant()) {
            out.add("it was measured " + (measured.batchInvariant() ? "with" : "without") + " --batch-invariant; "
                    + "this run is " + (batchInvariant ? "batch-invariant" : "not"));
        }
        if (!kernels.equals(measured.kernels())) {
            out.add("it was measured with the " + measured.kernels() + " kernels; this run gets " + kernels);
        }
        return out;
    }

    /** The cache file name for this key: hw-profile-MODELKEY-Nt[-invariant].json. */
    public String fileName() {
        return "hw-profile-" + modelKey + "-" + threads + "t" + (batchInvariant ? "-invariant" : "") + ".json";
    }
}
