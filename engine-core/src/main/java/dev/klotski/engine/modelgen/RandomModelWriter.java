package dev.klotski.engine.modelgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.modelgen.HfLayout.QkNorm;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tokenizer.ByteLevelBpeTokenizerWriter;
import dev.klotski.engine.tokenizer.TokenizerSpec;
import dev.klotski.engine.util.Fnv1a64;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Writes a random-weight model in HuggingFace format (BF16 safetensors, config.json, generation_config.json,
 * a byte-level BPE tokenizer). The same spec and seed always give the same bytes, since each tensor draws from
 * its own stream seeded by the spec's seed and the tensor's name. Scales keep activations O(1) and make
 * next-token distributions peaked, as trained models' are.
 */
public final class RandomModelWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelSpec spec;
    private final HfLayout arch;

    public RandomModelWriter(ModelSpec spec) {
        this.spec = spec;
        this.arch = HfLayout.of(spec.arch());
    }

    /**
     * Writes the model into {@code dir} (created if needed).
     *
     * @param progress receives the number of parameters written so far
     */
    public void write(Path dir, LongConsumer progress) {
        try {
            Files.createDirectories(dir);
            TokenizerSpec tokenizer = ByteLevelBpeTokenizerWriter.write(dir, spec.vocab());
            int vocab = tokenizer.vocabSize();
            writeJson(dir.resolve("config.json"), config(vocab, tokenizer));
            ObjectNode generation = JSON.createObjectNode();
            generation.put("eos_token_id", tokenizer.eosId());
            generation.put("do_sample", false);
            writeJson(dir.resolve("generation_config.json"), generation);
            weights(vocab, progress).write(dir.resolve("model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + dir + ": " + e.getMessage(), e);
        }
    }

    private SafetensorsWriter weights(int vocab, LongConsumer progress) {
        int h = spec.hidden();
        int qDim = spec.heads() * spec.headDim();
        int kvDim = spec.kvHeads() * spec.headDim();
        int inter = spec.intermediate();
        TensorFactory t = new TensorFactory(spec.seed(), progress);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add(HfLayout.EMBEDDINGS, DType.BF16, shape(vocab, h), t.normal(HfLayout.EMBEDDINGS, vocab, h, 1.0));
        for (int l = 0; l < spec.layers(); l++) {
            String p = HfLayout.layerPrefix(l);
            addNorm(w, t, p + "input_layernorm.weight", h);
            String a = p + "self_attn.";
            addLinear(w, t, a + "q_proj", qDim, h, 1.0);
            addLinear(w, t, a + "k_proj", kvDim, h, 1.0);
            addLinear(w, t, a + "v_proj", kvDim, h, 1.0);
            if (arch.qkvBias()) {
                for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
                    int out = proj.equals("q_proj") ? qDim : kvDim;
                    w.add(a + proj + ".bias", DType.BF16, shape(out), t.normal(a + proj + ".bias", 1, out, 0.1));
                }
            }
            addLinear(w, t, a + "o_proj", h, qDim, 1.0);
            if (arch.qkNorm() == QkNorm.PER_HEAD) {
                addNorm(w, t, a + "q_norm.weight", spec.headDim());
                addNorm(w, t, a + "k_norm.weight", spec.headDim());
            } else if (arch.qkNorm() == QkNorm.WHOLE_PROJECTION) {
                addNorm(w, t, a + "q_norm.weight", qDim);
                addNorm(w, t, a + "k_norm.weight", kvDim);
            }
            addNorm(w, t, p + "post_attention_layernorm.weight", h);
            addLinear(w, t, p + arch.router().replace(".weight", ""), spec.experts(), h, 2.0);
            for (int e = 0; e < spec.experts(); e++) {
                addFfn(w, t, p + String.format(arch.expertPrefix(), e), arch.expertFfn(), inter);
            }
            if (arch.hasSharedExpert()) {
                addFfn(w, t, p + arch.sharedExpert(), HfLayout.LLAMA_FFN, inter);
                addLinear(w, t, p + arch.sharedExpertGate().replace(".weight", ""), 1, h, 1.0);
            }
        }
        addNorm(w, t, HfLayout.FINAL_NORM, h);
        w.add(HfLayout.LM_HEAD, DType.BF16, shape(vocab, h), t.normal(HfLayout.LM_HEAD, vocab, h, 6.0 / Math.sqrt(h)));
        w.metadata(Map.of("format", "pt", "generator", "klotski make-model", "seed", Long.toString(spec.seed())));
        return w;
    }

    private static void addFfn(SafetensorsWriter w, TensorFactory t, String prefix, HfLayout.Ffn names, int inter) {
        int h = t.hidden;
        addLinear(w, t, prefix + names.gate(), inter, h, 1.0);
        addLinear(w, t, prefix + names.up(), inter, h, 1.0);
        addLinear(w, t, prefix + names.down(), h, inter, 1.0);
    }

    /** A projection with std gain/sqrt(in), which keeps activations O(1). */
    private static void addLinear(SafetensorsWriter w, TensorFactory t, String name, int out, int in, double gain) {
        w.add(name + ".weight", DType.BF16, shape(out, in), t.normal(name + ".weight", out, in, gain / Math.sqrt(in)));
    }

    /** Norm weights near 1 but not equal, so a loader that ignores them gets different results. */
    private static void addNorm(SafetensorsWriter w, TensorFactory t, String name, int dim) {
        w.add(name, DType.BF16, shape(dim), t.aroundOne(name, dim, 0.1));
    }

    private ObjectNode config(int vocab, TokenizerSpec tokenizer) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add(arch.hfName());
        c.put("model_type", spec.arch());
        c.put("vocab_size", vocab);
        c.put("hidden_size", spec.hidden());
        c.put("num_hidden_layers", spec.layers());
        c.put("num_attention_heads", spec.heads());
        c.put("num_key_value_heads", spec.kvHeads());
        c.put("head_dim", spec.headDim());
        c.put("intermediate_size", spec.intermediate());
        c.put("max_position_embeddings", spec.context());
        c.put("rope_theta", 1_000_000.0);
        c.put("rms_norm_eps", 1e-6);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("num_experts_per_tok", spec.topK());
        if (spec.arch().equals("mixtral")) {
            c.put("num_local_experts", spec.experts());
        } else {
            c.put("num_experts", spec.experts());
            c.put("moe_intermediate_size", spec.intermediate());
            c.put("norm_topk_prob", !spec.arch().equals("qwen2_moe") && !spec.arch().equals("olmoe"));
            c.put("decoder_sparse_step", 1);
            c.putArray("mlp_only_layers");
        }
        if (arch.hasSharedExpert()) {
            c.put("shared_expert_intermediate_size", spec.intermediate());
        }
        if (tokenizer.bosId() >= 0) {
            c.put("bos_token_id", tokenizer.bosId());
        }
        c.put("eos_token_id", tokenizer.eosId());
        c.put("torch_dtype", "bfloat16");
        return c;
    }

    private static void writeJson(Path file, ObjectNode node) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n",
                StandardCharsets.UTF_8);
    }

    private static long[] shape(long... dims) {
        return dims;
    }

    /** Draws tensors lazily, one seeded stream per tensor name. */
    private final class TensorFactory {
        private final long seed;
        private final LongConsumer progress;
        private final int hidden = spec.hidden();
        private long written;

        TensorFactory(long seed, LongConsumer progress) {
            this.seed = seed;
            this.progress = progress;
        }

        java.util.function.Supplier<float[]> normal(String name, int rows, int cols, double std) {
            return () -> {
                SplittableRandom random = new SplittableRandom(seed ^ Fnv1a64.hash(name.getBytes(StandardCharsets.UTF_8)));
                float[] v = new float[Math.multiplyExact(rows, cols)];
                // A uniform draw with the same std: as good as Gaussian for random weights, and much faster.
                double halfWidth = std * Math.sqrt(3.0);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((random.nextDouble() * 2 - 1) * halfWidth);
                }
                report(v.length);
                return v;
            };
        }

        java.util.function.Supplier<float[]> aroundOne(String name, int dim, double std) {
            java.util.function.Supplier<float[]> noise = normal(name, 1, dim, std);
            return () -> {
                float[] v = noise.get();
                for (int i = 0; i < v.length; i++) {
                    v[i] += 1f;
                }
                return v;
            };
        }

        private void report(long n) {
            written += n;
            progress.accept(written);
        }
    }
}
