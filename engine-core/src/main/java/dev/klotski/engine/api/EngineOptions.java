package dev.klotski.engine.api;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to open an engine. Build with {@link #builder(Path)}: the model folder is required, the rest optional.
 *
 * @param modelDir       a HuggingFace model folder (config.json, safetensors, tokenizer.json)
 * @param batchInvariant fixed-order kernels so a row's logits never depend on its batch (slower)
 * @param threads        compute threads (defaults to the available processors)
 * @param device         "cpu", or "cuda:N" once the CUDA backend exists
 */
public record EngineOptions(Path modelDir, boolean batchInvariant, int threads, String device) {

    public EngineOptions {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(device, "device");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** Builder: {@code opt*} methods set optional fields. */
    public static final class Builder {
        private final Path modelDir;
        private boolean batchInvariant;
        private int threads = Runtime.getRuntime().availableProcessors();
        private String device = "cpu";

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        public Builder optBatchInvariant(boolean on) {
            this.batchInvariant = on;
            return this;
        }

        public Builder optThreads(int n) {
            this.threads = n;
            return this;
        }

        public Builder optDevice(String d) {
            this.device = d;
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(modelDir, batchInvariant, threads, device);
        }
    }
}
