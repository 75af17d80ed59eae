package dev.klotski.engine.generate;

/**
 * How closely a model's next-token distributions follow a reference's over the same positions, measured as
 * llama.cpp's KL-divergence tool does: share of positions whose argmax agrees, mean KL(reference || model)
 * of the softmax distributions (natural log), and the largest log-probability difference on the reference's
 * top-5 tokens. All in double. Not thread-safe.
 */
public final class LogitAgreement {
    /** Reference tokens whose log-probabilities are compared at each position. */
    static final int TOP = 5;

    /** The figures over all positions added so far. */
    public record Summary(long positions, double sameTop1, double meanKl, double maxKl,
                          double maxTop5LogprobDiff) {
    }

    private long positions;
    private long sameTop1;
    private double klSum;
    private double maxKl;
    private double maxTopDiff;

    /** Adds the position whose logits start at {@code offset} in both arrays. */
    public void add(float[] reference, float[] model, int offset, int vocab) {
        double refNorm = Logprobs.logSumExp(reference, offset, vocab);
        double modelNorm = Logprobs.logSumExp(model, offset, vocab);
        double kl = 0;
        for (int i = 0; i < vocab; i++) {
            double lp = reference[offset + i] - refNorm;
            double lq = model[offset + i] - modelNorm;
            kl += Math.exp(lp) * (lp - lq);
        }
        kl = Math.max(0, kl); // rounding can leave a tiny negative for identical distributions
        klSum += kl;
        maxKl = Math.max(maxKl, kl);
        if (Sampler.argmax(reference, offset, vocab) == Sampler.argmax(model, offset, vocab)) {
            sameTop1++;
        }
        for (int id : Logprobs.bestIds(reference, offset, vocab, Math.min(TOP, vocab))) {
            double diff = Math.abs((reference[offset + id] - refNorm) - (model[offset + id] - modelNorm));
            maxTopDiff = Math.max(maxTopDiff, diff);
        }
        positions++;
    }

    public Summary summary() {
        return positions == 0 ? new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                : new Summary(positions, (double) sameTop1 / positions, klSum / positions, maxKl, maxTopDiff);
    }
}
