package dev.klotski.engine.plan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where hardware profiles are kept and when one is measured again. A profile in the default cache folder
 * (the folder the {@value #DIR_PROPERTY} system property names, else {@code $XDG_CACHE_HOME/klotski}, else
 * {@code ~/.cache/klotski}; one file per model, threads and kernel mode) that no longer applies is measured
 * again, saying why; a file the user named that does not apply is refused,
 * saying why, since replacing what someone asked for would surprise them.
 */
public final class ProfileCache {
    private ProfileCache() {
    }

    /** The system property that names another cache folder (tests, shared machines). */
    public static final String DIR_PROPERTY = "klotski.cache.dir";

    public static Path defaultDir() {
        String named = System.getProperty(DIR_PROPERTY);
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("klotski");
    }

    public static Path defaultFile(ProfileKey key) {
        return defaultDir().resolve(key.fileName());
    }

    /** The profile cached for this key in the default folder, if one is there and still applies; never measures. */
    public static Optional<HardwareProfile> cached(ProfileKey key) {
        Path file = defaultFile(key);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            HardwareProfile p = HardwareProfile.read(file);
            return key.differences(p).isEmpty() ? Optional.of(p) : Optional.empty();
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /**
     * The profile in {@code file} if it applies to {@code key}; else (or when there is none) measures one and
     * writes it there. With {@code named} (the user gave the file) a profile that does not apply is refused.
     */
    public static HardwareProfile loadOrMeasure(Path file, boolean named, ProfileKey key,
                                                Supplier<HardwareProfile> measure, Consumer<String> progress) {
        if (Files.exists(file)) {
            String why;
            try {
                HardwareProfile p = HardwareProfile.read(file);
                List<String> differences = key.differences(p);
                if (differences.isEmpty()) {
                    return p;
                }
                why = String.join("; ", differences);
            } catch (RuntimeException unreadable) {
                why = unreadable.getMessage();
            }
            if (named) {
                throw new IllegalArgumentException("hardware profile " + file + " does not apply to this run: " + why
                        + " — measure it again with klotski profile-hw --out " + file + ", or leave out --profile");
            }
            progress.accept("measuring the hardware again: the cached profile " + file + " does not apply (" + why
                    + ")");
        } else {
            progress.accept("no hardware profile at " + file + "; measuring one (once; it is cached there)");
        }
        HardwareProfile p = measure.get();
        p.write(file);
        return p;
    }
}
