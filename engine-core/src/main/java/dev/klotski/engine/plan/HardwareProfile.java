package dev.klotski.engine.plan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How fast this machine runs one model, as {@link HardwareProber} measured it: storage and copy rates, the time
 * of one expert's feed-forward as a line in tokens (per stored format of the model's experts), the time of the
 * rest of a forward pass, and the LM head per row of logits. It also records what it was measured on (machine,
 * kernels, threads, model), so a profile of another setting is never used silently ({@link ProfileKey}).
 * Stored as JSON with snake_case names.
 *
 * @param klotskiHardwareProfile      format version
 * @param measured                    when (ISO-8601)
 * @param machine                     where
 * @param kernels                     the compute kernels' name
 * @param threads                     compute threads
 * @param batchInvariant              fixed-order kernels
 * @param modelKey                    {@link ModelKey} of the folder
 * @param modelDir                    the folder, for people reading the file
 * @param model                       the model's shape
 * @param diskDirectBytesPerSecond    sequential O_DIRECT reads of the checkpoint; 0 when the file system refuses
 * @param diskBufferedBytesPerSecond  buffered reads of a range not read by the probe before (the page cache may
 *                                    still hold it from earlier use)
 * @param hostCopyBytesPerSecond      an expert's stored bytes from off-heap memory into a compute-tier expert
 * @param expertFfn                   format label to one expert's feed-forward time in tokens
 * @param dense                       a forward pass without routed experts and LM head
 * @param lmHeadSecondsPerRow         final norm, LM head and download per row of logits
 * @param probe                       the probe sizes used
 */
public record HardwareProfile(int klotskiHardwareProfile, String measured, Machine machine, String kernels, int threads,
                              boolean batchInvariant, String modelKey, String modelDir, ModelShape model,
                              double diskDirectBytesPerSecond, double diskBufferedBytesPerSecond,
                              double hostCopyBytesPerSecond, Map<String, LinearFit> expertFfn, DenseFit dense,
                              double lmHeadSecondsPerRow, ProbeSettings probe) {
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The machine a profile was measured on. */
    public record Machine(int cores, String cpu, String os, String arch, String java) {
        /** This machine. */
        public static Machine current() {
            return new Machine(Runtime.getRuntime().availableProcessors(), CpuName.read(),
                    System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("os.arch"), System.getProperty("java.version"));
        }
    }

    public HardwareProfile {
        expertFfn = Map.copyOf(new TreeMap<>(expertFfn));
    }

    /** What this profile was measured on. */
    public ProfileKey key() {
        return new ProfileKey(modelKey, threads, batchInvariant, kernels);
    }

    /** The feed-forward fit for the model's expert format; throws naming the formats measured when absent. */
    public LinearFit ffn(String format) {
        LinearFit f = expertFfn.get(format);
        if (f == null) {
            throw new IllegalArgumentException("the hardware profile has expert timings for " + expertFfn.keySet()
                    + ", not for " + format + " experts; measure it again (klotski profile-hw)");
        }
        return f;
    }

    /** Storage read rate the engine gets: O_DIRECT with --direct-io (when the file system allows it), else buffered. */
    public double diskBytesPerSecond(boolean directIo) {
        return directIo && diskDirectBytesPerSecond > 0 ? diskDirectBytesPerSecond : diskBufferedBytesPerSecond;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static HardwareProfile fromJson(String json, String where) {
        HardwareProfile p;
        try {
            p = JSON.readValue(json, HardwareProfile.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " is not a Klotski hardware profile: " + e.getMessage(), e);
        }
        if (p.klotskiHardwareProfile != FORMAT) {
            throw new IllegalArgumentException(where + " has hardware profile format " + p.klotskiHardwareProfile
                    + "; this Klotski reads format " + FORMAT + " — measure it again (klotski profile-hw)");
        }
        return p;
    }

    public static HardwareProfile read(Path file) {
        try {
            return fromJson(Files.readString(file), "hardware profile " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read hardware profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes the file through a temp file and a rename, so a reader never sees half a profile. */
    public void write(Path file) {
        Path target = file.toAbsolutePath();
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".partial");
            Files.writeString(tmp, toJson() + "\n");
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write hardware profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** A few lines for people. */
    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "model        %s (%s, key %s)%n", modelDir, model.summary(), modelKey));
        b.append(String.format(Locale.ROOT, "machine      %d cores, %s, %s %s, Java %s%n", machine.cores(),
                machine.cpu(), machine.os(), machine.arch(), machine.java()));
        b.append(String.format(Locale.ROOT, "compute      %s kernels, %d threads%s, measured %s%n", kernels, threads,
                batchInvariant ? ", batch-invariant" : "", measured));
        b.append(String.format(Locale.ROOT, "disk         %s O_DIRECT, %s buffered%n",
                diskDirectBytesPerSecond > 0 ? rate(diskDirectBytesPerSecond) : "no",
                rate(diskBufferedBytesPerSecond)));
        b.append(String.format(Locale.ROOT, "host copy    %s into a compute-tier expert%n",
                rate(hostCopyBytesPerSecond)));
        expertFfn.forEach((format, f) -> b.append(String.format(Locale.ROOT,
                "expert ffn   %s: %.3f ms + %.4f ms per token%n", format, f.fixedSeconds() * 1e3,
                f.perTokenSeconds() * 1e3)));
        b.append(String.format(Locale.ROOT, "dense pass   %.3f ms + %.4f ms per token + %.3f us per attended position "
                        + "(all %d layers, experts and LM head excluded)%n", dense.perPassSeconds() * 1e3,
                dense.perTokenSeconds() * 1e3, dense.perPositionSeconds() * 1e6, model.layers()));
        b.append(String.format(Locale.ROOT, "lm head      %.4f ms per row of logits%n", lmHeadSecondsPerRow * 1e3));
        return b.toString();
    }

    static String rate(double bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MiB/s", bytesPerSecond / (1 << 20));
    }
}
