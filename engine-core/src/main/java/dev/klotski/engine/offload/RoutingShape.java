package dev.klotski.engine.offload;

/**
 * The routing shape of a model, as policies, prefetchers and profiles see it: layers (the indexes a
 * {@link dev.klotski.engine.model.layers.RoutingEvent} may carry; dense layers never route), routed experts per
 * layer, experts each token chooses. A profile of another shape is refused (its counts would be meaningless).
 */
public record RoutingShape(int layers, int experts, int topK) {

    public RoutingShape {
        if (layers < 1 || experts < 1 || topK < 1 || topK > experts) {
            throw new IllegalArgumentException("bad routing shape: " + layers + " layers x " + experts
                    + " experts, top-" + topK);
        }
    }

    @Override
    public String toString() {
        return layers + " layers x " + experts + " experts, top-" + topK;
    }
}
