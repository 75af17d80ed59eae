package dev.klotski.engine.plan;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ExpertCatalog;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.Workspace;
import dev.klotski.engine.offload.DiskProbe;
import dev.klotski.engine.tensor.WeightFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Measures a {@link HardwareProfile} on a model's own checkpoint with the engine's own kernels: storage reads
 * (O_DIRECT and buffered), the host tier's copy, one real expert's feed-forward per stored format, the resident
 * part of forward passes and the LM head. The model is loaded with one expert per format in memory (see
 * {@link ProbeExperts}), so it may be far larger than the heap's room for experts.
 */
public final class HardwareProber {
    private final int threads;
    private final boolean batchInvariant;
    private final ProbeSettings settings;
    private final Consumer<String> progress;

    /** @param progress told what is being measured, one short line at a time (a CLI prints them on stderr) */
    public HardwareProber(int threads, boolean batchInvariant, ProbeSettings settings, Consumer<String> progress) {
        this.threads = threads;
        this.batchInvariant = batchInvariant;
        this.settings = settings;
        this.progress = progress;
    }

    /** The key a run with these options on this model needs a profile for (creates the kernels to learn their name). */
    public ProfileKey key(Path modelDir) {
        try (Kernels k = CpuKernelsFactory.create(batchInvariant, threads)) {
            return new ProfileKey(ModelKey.of(modelDir), threads, batchInvariant, k.name());
        }
    }

    public HardwareProfile measure(Path modelDir) {
        ModelConfig config = ModelConfig.load(modelDir);
        ProbeExperts probe = new ProbeExperts();
        try (MoeModel model = ModelLoader.load(modelDir, config, probe);
             Kernels kernels = CpuKernelsFactory.create(batchInvariant, threads)) {
            ExpertCatalog catalog = probe.catalog();
            List<Path> files = expertFiles(catalog);
            progress.accept("reading " + files.size() + " checkpoint file(s) with O_DIRECT and buffered");
            double direct = DiskProbe.directBytesPerSecond(files, 0, settings.diskBytes()).orElse(0);
            double buffered = DiskProbe.bufferedBytesPerSecond(files, freshRangeStart(files), settings.diskBytes());
            Stopwatch watch = new Stopwatch(settings.repeats(), settings.warmupMillis());
            StoredExpert first = probe.stored().values().iterator().next();
            progress.accept("copying an expert from host memory into a compute-tier slot");
            double copy = CopyProbe.bytesPerSecond(first, settings.copyBytes(), watch);
            progress.accept("timing one expert's feed-forward at " + settings.ffnTokens() + " tokens");
            Map<String, LinearFit> ffn = new LinkedHashMap<>();
            Workspace ws = model.newWorkspace(kernels);
            for (Map.Entry<WeightFormat, ExpertFfn> e : probe.weights().entrySet()) {
                ffn.put(e.getKey().label(), FfnProbe.fit(kernels, ws, e.getValue(), settings.ffnTokens(), watch));
            }
            progress.accept("timing the LM head and forward passes of " + settings.passTokens() + " tokens without "
                    + "their experts");
            double lmRow = LmHeadProbe.fit(kernels, model.lmHead(), settings.passTokens(), watch).perTokenSeconds();
            DenseFit dense = new PassProbe(model, kernels, probe.source(), watch)
                    .measure(settings.passTokens(), settings.contextPositions(), lmRow);
            long expertHeld = probe.source().heldBytesByFormat().values().stream().mapToLong(Long::longValue).sum();
            ModelShape shape = ModelShape.of(catalog, model.weightBytes().total() - expertHeld);
            return new HardwareProfile(HardwareProfile.FORMAT, Instant.now().toString(),
                    HardwareProfile.Machine.current(), kernels.name(), threads, batchInvariant, ModelKey.of(modelDir),
                    modelDir.toAbsolutePath().toString(), shape, direct, buffered, copy, ffn, dense, lmRow, settings);
        }
    }

    /**
     * Where the buffered probe starts: past the range the O_DIRECT probe read when the files are big enough, so
     * the page cache has not been handed those bytes by this probe (a 4 MiB multiple, for O_DIRECT alignment).
     */
    private long freshRangeStart(List<Path> files) {
        long total = 0;
        try {
            for (Path f : files) {
                total += Files.size(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long skip = (settings.diskBytes() + (4 << 20) - 1) / (4 << 20) * (4 << 20);
        return total >= skip + settings.diskBytes() ? skip : 0;
    }

    private static List<Path> expertFiles(ExpertCatalog catalog) {
        LinkedHashSet<Path> files = new LinkedHashSet<>();
        catalog.all().flatMap(e -> Arrays.stream(e.matrices())).forEach(w -> {
            files.add(w.values().file());
            if (w.scales() != null) {
                files.add(w.scales().file());
            }
        });
        return List.copyOf(files);
    }
}
