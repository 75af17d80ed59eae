package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;
import dev.klotski.engine.util.Tracer;

/**
 * Every activation buffer of a forward pass, allocated in backend memory for a number of tokens and reused by
 * every later pass that fits, so the hot path allocates nothing activation-sized. Passes run one at a time on a
 * workspace; one engine owns one.
 */
public final class Workspace {
    /** The model dimensions buffers are sized from. */
    public record Dims(int hidden, int qDim, int kvDim, int maxIntermediate, int experts, int topK, int vocab) {
    }

    private final Kernels kernels;
    private final Dims dims;
    private int tokens;  // capacity in tokens of the token-sized buffers
    private int logitRows; // capacity of the logits buffers

    // Token-sized, (tokens, width):
    Buffer residual;   // (T, hidden) the residual stream
    Buffer normed;     // (T, hidden) the normalised input of a sub-layer
    Buffer q;          // (T, qDim)
    Buffer k;          // (T, kvDim)
    Buffer v;          // (T, kvDim)
    Buffer context;    // (T, qDim) attention output before o_proj
    Buffer delta;      // (T, hidden) a sub-layer's output, added to the residual
    Buffer gate;       // (T, maxIntermediate)
    Buffer up;         // (T, maxIntermediate)
    Buffer gathered;   // (T, hidden) an expert's input rows
    Buffer expertOut;  // (T, hidden) an expert's output rows
    Buffer expertOuts; // (T * topK, hidden) every expert's output rows, at their place in assignedTokens
    Buffer routerLogits; // (T, experts)
    Buffer rowScalars;   // (T) shared-expert gate
    // Host-side routing, (T * topK):
    int[] expertIds;
    float[] expertWeights;
    int[] assignedTokens;  // grouped by expert: the tokens routed to each
    float[] assignedWeights;
    int[] expertStarts;    // (experts + 1) offsets into assignedTokens
    final int[] wanted;    // (experts) the experts a pass uses, most tokens first
    final int[] pending;   // (experts) of those, the ones not computed yet
    final RoutingEvent routing = new RoutingEvent();
    Tracer tracer = Tracer.NONE; // spans per layer and expert, when a trace is asked for
    private int[] fill;    // (experts) cursor per expert while grouping
    // Logits, (L, ...):
    Buffer selected;   // (L, hidden) rows that need logits
    Buffer logits;     // (L, vocab)
    float[] hostLogits; // (L, vocab) in host memory for sampling
    int[] logitRowIds; // (L)
    // Per sequence, per layer: the cache buffers attention reads.
    Buffer[] keyCaches = new Buffer[0];
    Buffer[] valueCaches = new Buffer[0];
    // The pass whose batch boundaries are in batchStarts: computed once per pass, not once per layer.
    private ForwardBatch startsOf;
    private int[] batchStarts;

    public Workspace(Kernels kernels, Dims dims) {
        this.kernels = kernels;
        this.dims = dims;
        this.expertStarts = new int[dims.experts() + 1];
        this.wanted = new int[dims.experts()];
        this.pending = new int[dims.experts()];
    }

    /** Makes the buffers hold a pass of {@code passTokens} tokens, {@code passLogitRows} of them with logits. */
    public void ensure(int passTokens, int passLogitRows, int sequences) {
        if (passTokens > tokens) {
            int t = passTokens;
            residual = kernels.allocate(t * dims.hidden());
            normed = kernels.allocate(t * dims.hidden());
            q = kernels.allocate(t * dims.qDim());
            k = kernels.allocate(t * dims.kvDim());
            v = kernels.allocate(t * dims.kvDim());
            context = kernels.allocate(t * dims.qDim());
            delta = kernels.allocate(t * dims.hidden());
            gate = kernels.allocate(t * dims.maxIntermediate());
            up = kernels.allocate(t * dims.maxIntermediate());
            gathered = kernels.allocate(t * dims.hidden());
            expertOut = kernels.allocate(t * dims.hidden());
            expertOuts = kernels.allocate(t * Math.max(1, dims.topK()) * dims.hidden());
            routerLogits = kernels.allocate(t * Math.max(1, dims.experts()));
            rowScalars = kernels.allocate(t);
            expertIds = new int[t * Math.max(1, dims.topK())];
            expertWeights = new float[expertIds.length];
            assignedTokens = new int[expertIds.length];
            assignedWeights = new float[expertIds.length];
            tokens = t;
        }
        if (passLogitRows > logitRows || hostLogits == null) {
            passLogitRows = Math.max(1, passLogitRows);
            selected = kernels.allocate(passLogitRows * dims.hidden());
            logits = kernels.allocate(passLogitRows * dims.vocab());
            hostLogits = new float[passLogitRows * dims.vocab()];
            logitRowIds = new int[passLogitRows];
            logitRows = passLogitRows;
        }
        if (sequences > keyCaches.length) {
            keyCaches = new Buffer[sequences];
            valueCaches = new Buffer[sequences];
        }
    }

    /** {@link ForwardBatch#batchStarts()} of the pass, computed on its first layer. */
    int[] batchStarts(ForwardBatch batch) {
        if (startsOf != batch) {
            batchStarts = batch.batchStarts();
            startsOf = batch;
        }
        return batchStarts;
    }

    /** Records this workspace's passes in {@code t} (per layer, per batch, per expert, per wait for a load). */
    public void trace(Tracer t) {
        this.tracer = t;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** A scratch array of at least {@code experts} ints for grouping choices by expert. */
    int[] assignedFill(int experts) {
        if (fill == null || fill.length < experts) {
            fill = new int[experts];
        }
        return fill;
    }

    /** The logits of the last pass, (L, vocab) in host memory; overwritten by the next pass. */
    public float[] hostLogits() {
        return hostLogits;
    }

    /** Tokens the buffers hold now (the largest pass so far). */
    public int tokenCapacity() {
        return tokens;
    }
}
