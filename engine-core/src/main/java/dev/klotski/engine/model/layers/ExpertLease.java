package dev.klotski.engine.model.layers;

/** An expert's weights held for computing: valid until {@link #close()}, which lets the cache evict them. */
public interface ExpertLease extends AutoCloseable {

    /** The expert's index in its layer. */
    int expert();

    /** The weights, in the compute tier. */
    ExpertFfn weights();

    @Override
    void close();
}
