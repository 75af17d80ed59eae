package dev.klotski.engine.plan;

import dev.klotski.engine.model.ExpertCatalog;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.tensor.WeightFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the planner needs to know about a model: its widths, its experts and their stored size, and the bytes
 * of everything else (always resident).
 *
 * @param architecture    the HF architectures[0] string
 * @param layers          decoder layers
 * @param moeLayers       of those, the layers with routed experts (indexes)
 * @param experts         routed experts per MoE layer
 * @param topK            experts each token chooses
 * @param hidden          width of the residual stream
 * @param qDim            query width (heads x head_dim)
 * @param kvDim           key/value width (kv heads x head_dim)
 * @param maxIntermediate widest feed-forward inner width (expert, shared or dense)
 * @param vocab           rows of the LM head
 * @param contextLength   positions a sequence may hold
 * @param expertBytes     bytes of one routed expert as stored (the size of a tier slot)
 * @param expertFormat    the experts' weight format label ("bf16", "int8", ...)
 * @param denseBytes      bytes of every other weight (attention, norms, routers, embeddings, LM head)
 */
public record ModelShape(String architecture, int layers, List<Integer> moeLayers, int experts, int topK, int hidden,
                         int qDim, int kvDim, int maxIntermediate, int vocab, int contextLength, long expertBytes,
                         String expertFormat, long denseBytes) {

    public ModelShape {
        moeLayers = List.copyOf(moeLayers);
        if (layers < 1 || moeLayers.isEmpty() || moeLayers.stream().anyMatch(l -> l < 0 || l >= layers) || topK < 1
                || topK > experts || expertBytes < 1) {
            throw new IllegalArgumentException("not a mixture-of-experts shape: " + layers + " layers ("
                    + moeLayers.size()
                    + " MoE), " + experts + " experts top-" + topK + ", " + expertBytes + " bytes per expert");
        }
    }

    /** The shape of a model whose expert catalog is at hand (the engine, or the prober, has loaded it). */
    public static ModelShape of(ExpertCatalog catalog, long denseBytes) {
        String format = catalog.all().findFirst().map(e -> e.gate().format().label()).orElse("none");
        return of(catalog.config(), catalog.expertBytes(), format, denseBytes);
    }

    /** The shape from config.json and the experts' stored size and format. */
    public static ModelShape of(ModelConfig c, long expertBytes, String expertFormat, long denseBytes) {
        List<Integer> moe = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            if (c.isMoeLayer(l)) {
                moe.add(l);
            }
        }
        int inter = Math.max(c.expertIntermediate(), Math.max(c.sharedIntermediate(), c.denseIntermediate()));
        return new ModelShape(c.architecture(), c.layers(), moe, c.experts(), c.expertsPerToken(), c.hiddenSize(),
                c.qDim(), c.kvDim(), inter, c.vocabSize(), c.contextLength(), expertBytes, expertFormat, denseBytes);
    }

    /** One expert's stored bytes computed from config.json: gate, up (inter, hidden) and down (hidden, inter). */
    public static long expertBytes(ModelConfig c, WeightFormat format, int group) {
        return 3 * format.bytes(c.expertIntermediate(), c.hiddenSize(), group);
    }

    /** Bytes of every routed expert. */
    public long totalExpertBytes() {
        return (long) moeLayerCount() * experts * expertBytes;
    }

    public int moeLayerCount() {
        return moeLayers.size();
    }

    /** (layer) whether it has routed experts. */
    public boolean[] moeLayerFlags() {
        boolean[] out = new boolean[layers];
        moeLayers.forEach(l -> out[l] = true);
        return out;
    }

    /** KV bytes of one position of one sequence: a key and a value of kvDim floats in every layer. */
    public long kvBytesPerPosition() {
        return (long) layers * kvDim * 2 * Float.BYTES;
    }

    /**
     * Activation bytes per token of a pass: the workspace's token-sized float buffers (residual, normed, delta,
     * gathered, expert out: hidden each; q and context; k and v; gate and up; top-k expert outputs; router logits).
     */
    public long activationBytesPerToken() {
        long floats = 5L * hidden + 2L * qDim + 2L * kvDim + 2L * maxIntermediate + (long) topK * hidden + experts + 1;
        return floats * Float.BYTES;
    }

    /** Activation bytes per row of logits: on the backend and in host memory. */
    public long logitBytesPerRow() {
        return 2L * vocab * Float.BYTES + (long) hidden * Float.BYTES;
    }

    /** One line for messages: "24 layers (24 MoE) x 64 experts top-8, bf16 experts of 1.5 MiB". */
    public String summary() {
        return String.format(Locale.ROOT, "%s, %d layers (%d MoE) x %d experts top-%d, hidden %d, %s experts of %s",
                architecture, layers, moeLayerCount(), experts, topK, hidden, expertFormat,
                OffloadFactory.human(expertBytes));
    }
}
