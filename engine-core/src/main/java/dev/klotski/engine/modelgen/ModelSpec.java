package dev.klotski.engine.modelgen;

import java.util.Locale;

/**
 * The shape of a random-weight model to write.
 *
 * @param arch          mixtral, qwen3_moe, qwen2_moe or olmoe
 * @param layers        decoder layers
 * @param hidden        hidden size
 * @param heads         attention heads
 * @param kvHeads       key/value heads
 * @param experts       routed experts per layer
 * @param topK          experts per token
 * @param intermediate  inner width of one expert
 * @param vocab         tokenizer vocabulary size to aim for
 * @param context       max_position_embeddings
 * @param seed          every tensor is drawn from a stream seeded by this and its name
 */
public record ModelSpec(String arch, int layers, int hidden, int heads, int kvHeads, int experts, int topK,
                        int intermediate, int vocab, int context, long seed) {

    public ModelSpec {
        arch = arch.toLowerCase(Locale.ROOT);
        HfLayout.of(arch); // validates the name
        if (layers < 1 || hidden < 2 || heads < 1 || kvHeads < 1 || experts < 1 || intermediate < 1) {
            throw new IllegalArgumentException("layers, hidden, heads, kv-heads, experts and intermediate must be positive");
        }
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " must split into " + heads
                    + " heads of even width (RoPE rotates pairs)");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " must be a multiple of kv-heads " + kvHeads);
        }
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("top-k " + topK + " must be between 1 and experts (" + experts + ")");
        }
    }

    /** The config.json architectures string of the model, e.g. "MixtralForCausalLM". */
    public String hfName() {
        return HfLayout.of(arch).hfName();
    }

    public int headDim() {
        return hidden / heads;
    }

    /** Parameters in all, for progress and size estimates. */
    public long parameterCount() {
        long attn = (long) hidden * headDim() * (2L * heads + 2L * kvHeads);
        long moe = (long) experts * 3 * hidden * intermediate + (long) experts * hidden;
        long shared = arch.equals("qwen2_moe") ? 3L * hidden * intermediate + hidden : 0;
        return 2L * vocab * hidden + layers * (attn + moe + shared + 2L * hidden) + hidden;
    }
}
