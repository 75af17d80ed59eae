package dev.klotski.engine.model.layers;

import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.tensor.Buffer;

/**
 * What one MoE layer's router decided for the tokens of one pass, as observers see it. One object is reused
 * pass after pass (no garbage per layer), so observers must copy what they keep.
 *
 * <p>Token row r chose experts {@code expertIds[r*topK .. r*topK+topK)}, best first, and belongs to request
 * {@code requestId(r)}. The router's input, {@code routerInput (rows, hidden)} in backend memory, is there for
 * observers that apply a later layer's router to it (next-gate prefetch); it is null where no hidden states
 * exist (replaying a recorded trace).
 */
public final class RoutingEvent {
    private int layer;
    private int rows;
    private int topK;
    private int[] expertIds;     // (rows * topK) best first per row
    private int[] rowSequence;   // (rows) index into sequenceIds
    private long[] sequenceIds;  // request id per sequence of the pass
    private Kernels kernels;     // or null
    private Buffer routerInput;  // (rows, hidden) or null
    private ExpertCounters counters;

    /** Points this event at a new layer's routing; the arrays are read, not copied. */
    public RoutingEvent set(int layer, int rows, int topK, int[] expertIds, int[] rowSequence, long[] sequenceIds,
                            Kernels kernels, Buffer routerInput, ExpertCounters counters) {
        this.layer = layer;
        this.rows = rows;
        this.topK = topK;
        this.expertIds = expertIds;
        this.rowSequence = rowSequence;
        this.sequenceIds = sequenceIds;
        this.kernels = kernels;
        this.routerInput = routerInput;
        this.counters = counters;
        return this;
    }

    public int layer() {
        return layer;
    }

    public int rows() {
        return rows;
    }

    public int topK() {
        return topK;
    }

    /** The {@code slot}-th choice (0 = best) of token row {@code row}. */
    public int expert(int row, int slot) {
        return expertIds[row * topK + slot];
    }

    /** The request token row {@code row} belongs to. */
    public long requestId(int row) {
        return sequenceIds[rowSequence[row]];
    }

    /** The backend holding {@link #routerInput()}, or null when there is none. */
    public Kernels kernels() {
        return kernels;
    }

    /** The router's input (rows, hidden) in backend memory, or null (trace replay). */
    public Buffer routerInput() {
        return routerInput;
    }

    /** Where the pass counts its expert figures (prefetch loads are counted here too). */
    public ExpertCounters counters() {
        return counters;
    }
}
