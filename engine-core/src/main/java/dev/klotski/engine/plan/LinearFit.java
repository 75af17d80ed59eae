package dev.klotski.engine.plan;

/**
 * Time as a straight line in tokens, {@code seconds = fixedSeconds + perTokenSeconds * tokens}: one expert's
 * feed-forward over the tokens routed to it (the fixed part is reading its weights once).
 */
public record LinearFit(double fixedSeconds, double perTokenSeconds) {

    public LinearFit {
        if (!(fixedSeconds >= 0) || !(perTokenSeconds >= 0)) {
            throw new IllegalArgumentException("a time fit needs non-negative coefficients, got " + fixedSeconds
                    + " + " + perTokenSeconds + " x tokens");
        }
    }

    /** The least-squares line through (tokens[i], seconds[i]), coefficients kept >= 0. */
    public static LinearFit fit(int[] tokens, double[] seconds) {
        double[][] x = new double[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            x[i] = new double[] {1, tokens[i]};
        }
        double[] c = LeastSquares.nonNegative(x, seconds);
        return new LinearFit(c[0], c[1]);
    }

    public double seconds(double tokens) {
        return fixedSeconds + perTokenSeconds * tokens;
    }
}
