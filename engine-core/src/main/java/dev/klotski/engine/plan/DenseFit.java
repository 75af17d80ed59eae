package dev.klotski.engine.plan;

/**
 * Time of a forward pass without its routed experts and LM head (embedding, attention, norms, routers, dense
 * and shared feed-forwards, over every layer), {@code seconds = perPassSeconds + perTokenSeconds * tokens +
 * perPositionSeconds * positions}, where {@code positions} sums, over the pass's tokens, the earlier positions
 * each attends to: the part of attention that grows with context.
 */
public record DenseFit(double perPassSeconds, double perTokenSeconds, double perPositionSeconds) {

    public DenseFit {
        if (!(perPassSeconds >= 0) || !(perTokenSeconds >= 0) || !(perPositionSeconds >= 0)) {
            throw new IllegalArgumentException("a time fit needs non-negative coefficients, got " + perPassSeconds
                    + ", " + perTokenSeconds + ", " + perPositionSeconds);
        }
    }

    /** The least-squares fit through passes of tokens[i] tokens attending to positions[i] earlier positions. */
    public static DenseFit fit(double[] tokens, double[] positions, double[] seconds) {
        double[][] x = new double[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            x[i] = new double[] {1, tokens[i], positions[i]};
        }
        double[] c = LeastSquares.nonNegative(x, seconds);
        return new DenseFit(c[0], c[1], c[2]);
    }

    public double seconds(double tokens, double positions) {
        return perPassSeconds + perTokenSeconds * tokens + perPositionSeconds * positions;
    }
}
