package dev.klotski.engine.api;

import dev.klotski.engine.kernel.cpu.ComputeThreads;
import dev.klotski.engine.model.ExpertSourceFactory;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.offload.OffloadOptions;
import dev.klotski.engine.tokenizer.HfTokenizer;
import dev.klotski.engine.tokenizer.Tokenizer;
import dev.klotski.engine.util.ChromeTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model folder loaded once: weights (with their expert source), tokenizer, optional trace and compute threads
 * per thread count, held by every engine opened on it and freed when the last lets go. What engines on one
 * loaded model may still differ in: kernels mode, thread count and group.
 */
final class LoadedModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoadedModel.class);
    /** Most spans a trace keeps (about 100 MB of JSON); later ones are counted as dropped. */
    private static final int TRACE_SPANS = 1_000_000;

    /** What must be equal for two engines to share a loaded model. */
    record Key(Path modelDir, String device, OffloadOptions offload, Path traceFile) {
        static Key of(EngineOptions o) {
            return new Key(o.modelDir().toAbsolutePath().normalize(), o.device(), o.offload(), o.traceFile());
        }
    }

    private final Key key;
    private final ModelConfig config;
    private final MoeModel model;
    private final Tokenizer tokenizer;
    private final ChromeTrace trace; // or null
    private final Map<Integer, ComputeThreads> threads = new HashMap<>(); // guarded by this
    private int holders = 1; // guarded by this; the loader holds the first reference
    private Runnable onFreed = () -> { };

    private LoadedModel(Key key, ModelConfig config, MoeModel model, Tokenizer tokenizer, ChromeTrace trace) {
        this.key = key;
        this.config = config;
        this.model = model;
        this.tokenizer = tokenizer;
        this.trace = trace;
    }

    /** Loads the folder the options name. Fails with a message naming the bad file or tensor. */
    static LoadedModel load(EngineOptions options) {
        Path dir = options.modelDir();
        if (!Files.isDirectory(dir)) {
            // Checked first: otherwise the tokenizer, loaded before the weights, reports a missing tokenizer.json.
            throw new CheckpointException("model folder not found: " + dir.toAbsolutePath()
                    + (Files.exists(dir) ? " is a file, not a folder" : "")
                    + " — check --model points at a HuggingFace model folder (config.json, safetensors, tokenizer.json)");
        }
        ModelConfig config = ModelConfig.load(dir); // fail on a bad config.json before anything heavier
        ModelLoader.architecture(config); // an unsupported architecture fails here too
        Tokenizer tokenizer = HfTokenizer.load(dir);
        MoeModel model;
        try {
            OffloadOptions offload = options.offload();
            model = ModelLoader.load(dir, config, offload == null ? ExpertSourceFactory.RESIDENT
                    : new OffloadFactory(offload));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        ChromeTrace trace = null;
        if (options.traceFile() != null) {
            trace = new ChromeTrace(TRACE_SPANS);
            model.trace(trace); // before any engine makes its workspace
        }
        return new LoadedModel(Key.of(options), config, model, tokenizer, trace);
    }

    Key key() {
        return key;
    }

    ModelConfig config() {
        return config;
    }

    MoeModel model() {
        return model;
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The trace of this model's passes, or null when the options asked for none. */
    ChromeTrace trace() {
        return trace;
    }

    /** Run once when the last holder lets go (a registry forgets the model). */
    synchronized void onFreed(Runnable r) {
        onFreed = Objects.requireNonNull(r);
    }

    /** Another holder, or false when the model was freed meanwhile (load it again). */
    synchronized boolean acquire() {
        if (holders == 0) {
            return false;
        }
        holders++;
        return true;
    }

    /** Whether an engine (or the loader) still holds it. */
    synchronized boolean held() {
        return holders > 0;
    }

    /** Compute threads of this count, shared by the engines on this model that run that many. */
    synchronized ComputeThreads threads(int count) {
        return threads.computeIfAbsent(count, ComputeThreads::start);
    }

    /** Lets go of one hold; the last frees the weights, the tokenizer and the threads, and writes the trace. */
    void release() {
        Runnable freed;
        synchronized (this) {
            if (holders == 0) {
                return;
            }
            if (--holders > 0) {
                return;
            }
            threads.values().forEach(ComputeThreads::close);
            threads.clear();
            freed = onFreed;
        }
        model.close();
        tokenizer.close();
        writeTrace();
        freed.run();
    }

    private void writeTrace() {
        if (trace == null) {
            return;
        }
        try {
            trace.write(key.traceFile());
            LOG.info("wrote a trace of {} spans{} to {} (open it in https://ui.perfetto.dev)", trace.size(),
                    trace.dropped() > 0 ? " (" + trace.dropped() + " more dropped)" : "", key.traceFile());
        } catch (java.io.IOException e) {
            LOG.warn("could not write the trace to {}: {}", key.traceFile(), e.toString());
        }
    }
}
