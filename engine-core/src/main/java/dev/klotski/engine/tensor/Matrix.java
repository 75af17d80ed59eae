package dev.klotski.engine.tensor;

import java.util.Objects;

/**
 * A row-major float32 matrix held in host memory. Weights use the HuggingFace layout {@code [out, in]},
 * so a linear layer computes {@code y = x · Wᵀ}.
 */
public final class Matrix {
    private final int rows;
    private final int cols;
    private final float[] data; // (rows, cols)

    public Matrix(int rows, int cols, float[] data) {
        Objects.requireNonNull(data, "data");
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + ((long) rows * cols)
                    + " values, got " + data.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    public static Matrix zeros(int rows, int cols) {
        return new Matrix(rows, cols, new float[Math.multiplyExact(rows, cols)]);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The backing array, row-major; callers must not resize or share it across threads while writing. */
    public float[] data() {
        return data;
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + "]";
    }
}
