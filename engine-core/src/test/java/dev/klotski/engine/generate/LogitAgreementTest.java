package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The agreement figures against direct double-precision computations. */
class LogitAgreementTest {

    private static double[] softmax(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v);
        }
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp(x[i]) / sum;
        }
        return p;
    }

    @Test
    void identicalDistributionsAgreeExactly() {
        float[] a = {1, 2, 3, -1, 0.5f, 7, 2};
        LogitAgreement agreement = new LogitAgreement();
        agreement.add(a, a.clone(), 0, a.length);
        LogitAgreement.Summary s = agreement.summary();
        assertEquals(new LogitAgreement.Summary(1, 1.0, 0.0, 0.0, 0.0), s);
    }

    @Test
    void shiftedLogitsAreTheSameDistribution() {
        float[] a = {1, 2, 3, -1, 0.5f, 7, 2};
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i] + 4; // softmax is shift-invariant
        }
        LogitAgreement agreement = new LogitAgreement();
        agreement.add(a, b, 0, a.length);
        assertEquals(0, agreement.summary().meanKl(), 1e-12);
        assertEquals(0, agreement.summary().maxTop5LogprobDiff(), 1e-6);
    }

    @Test
    void klTop1AndTop5DiffFollowTheirDefinitions() {
        SplittableRandom r = new SplittableRandom(7);
        int vocab = 50;
        int rows = 6;
        float[] ref = new float[rows * vocab];
        float[] model = new float[rows * vocab];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (float) (r.nextDouble() * 6);
            model[i] = ref[i] + (float) (r.nextDouble() - 0.5);
        }
        LogitAgreement agreement = new LogitAgreement();
        double klSum = 0;
        double maxDiff = 0;
        int same = 0;
        for (int row = 0; row < rows; row++) {
            float[] a = java.util.Arrays.copyOfRange(ref, row * vocab, (row + 1) * vocab);
            float[] b = java.util.Arrays.copyOfRange(model, row * vocab, (row + 1) * vocab);
            agreement.add(ref, model, row * vocab, vocab);
            double[] p = softmax(a);
            double[] q = softmax(b);
            double kl = 0;
            int argA = 0;
            int argB = 0;
            for (int i = 0; i < vocab; i++) {
                kl += p[i] * Math.log(p[i] / q[i]);
                argA = p[i] > p[argA] ? i : argA;
                argB = q[i] > q[argB] ? i : argB;
            }
            klSum += kl;
            same += argA == argB ? 1 : 0;
            Integer[] order = java.util.stream.IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(order, (x, y) -> Double.compare(p[y], p[x]));
            for (int j = 0; j < 5; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(Math.log(p[order[j]]) - Math.log(q[order[j]])));
            }
        }
        LogitAgreement.Summary s = agreement.summary();
        assertEquals(rows, s.positions());
        assertEquals((double) same / rows, s.sameTop1());
        assertEquals(klSum / rows, s.meanKl(), 1e-12);
        assertEquals(maxDiff, s.maxTop5LogprobDiff(), 1e-9);
    }
}
