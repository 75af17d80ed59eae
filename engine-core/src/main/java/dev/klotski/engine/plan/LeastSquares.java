package dev.klotski.engine.plan;

import java.util.Arrays;

/**
 * Least-squares fits of timings with non-negative coefficients: a time never falls with more work, so a
 * coefficient that noise drives below zero is dropped (set to 0) and the others are fitted again. Errors are
 * relative (each point weighs 1/y): timings span orders of magnitude, and the small ones (a decode step's few
 * tokens per expert) matter as much as the large.
 */
final class LeastSquares {
    private LeastSquares() {
    }

    /** Coefficients c >= 0 minimising the sum of ((X c - y) / y)^2; x is (points, variables). */
    static double[] nonNegative(double[][] x, double[] y) {
        double[][] xs = new double[x.length][];
        double[] ys = new double[y.length];
        for (int p = 0; p < x.length; p++) {
            double w = 1 / Math.max(y[p], 1e-12);
            xs[p] = new double[x[p].length];
            for (int j = 0; j < x[p].length; j++) {
                xs[p][j] = x[p][j] * w;
            }
            ys[p] = y[p] * w;
        }
        return nonNegativeUnweighted(xs, ys);
    }

    private static double[] nonNegativeUnweighted(double[][] x, double[] y) {
        int vars = x[0].length;
        boolean[] active = new boolean[vars];
        Arrays.fill(active, true);
        while (true) {
            double[] c = solve(x, y, active);
            boolean dropped = false;
            for (int j = 0; j < vars; j++) {
                if (active[j] && c[j] < 0) {
                    active[j] = false;
                    dropped = true;
                }
            }
            if (!dropped) {
                return c;
            }
        }
    }

    /** Ordinary least squares over the active variables (normal equations; the others are 0). */
    private static double[] solve(double[][] x, double[] y, boolean[] active) {
        int vars = active.length;
        int[] idx = new int[vars];
        int m = 0;
        for (int j = 0; j < vars; j++) {
            if (active[j]) {
                idx[m++] = j;
            }
        }
        double[][] a = new double[m][m + 1]; // (XᵀX | Xᵀy)
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < m; k++) {
                    a[i][k] += x[p][idx[i]] * x[p][idx[k]];
                }
                a[i][m] += x[p][idx[i]] * y[p];
            }
        }
        double[] sol = gauss(a, m);
        double[] out = new double[vars];
        for (int i = 0; i < m; i++) {
            out[idx[i]] = sol[i];
        }
        return out;
    }

    /** Gaussian elimination with partial pivoting; a singular direction gets 0. */
    private static double[] gauss(double[][] a, int m) {
        for (int col = 0; col < m; col++) {
            int pivot = col;
            for (int r = col + 1; r < m; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = a[col];
            a[col] = a[pivot];
            a[pivot] = t;
            if (Math.abs(a[col][col]) < 1e-300) {
                continue;
            }
            for (int r = 0; r < m; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int k = col; k <= m; k++) {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        double[] out = new double[m];
        for (int i = 0; i < m; i++) {
            out[i] = Math.abs(a[i][i]) < 1e-300 ? 0 : a[i][m] / a[i][i];
        }
        return out;
    }
}
