package dev.klotski.engine.tensor;

import java.util.Objects;

/**
 * A weight matrix in HuggingFace layout {@code (out, in)} (a linear layer computes {@code y = x · Wᵀ}), held
 * on the heap in one of the compact {@link WeightFormat}s. Data only: kernels read the arrays directly.
 *
 * <p>Storage is a primitive array per part, row-major: measured on JDK 17, Vector API loads from heap arrays
 * run about twice as fast as from (mapped or direct) byte buffers, and decode is bound by these loads. An array
 * holds up to 2^31-1 values, so one matrix may be 4 GiB of BF16 or 2 GiB of int8; checkpoints that stack all
 * experts of a layer in one tensor are split per expert when loaded.
 *
 * <ul>
 *   <li>F32: {@code floats} (rows * cols)</li>
 *   <li>F16, BF16: {@code halves} (rows * cols), the stored 16-bit patterns</li>
 *   <li>Q8: {@code quants} (rows * cols) signed bytes; {@code scales} (rows * cols / group) f16 bits</li>
 *   <li>Q4: {@code quants} (rows * cols / 2): within each group of 32 values byte j holds value j in its low
 *       nibble and value j + 16 in its high nibble (Q4_0's order; for other group sizes, j and j + group/2);
 *       a nibble n means {@code n - 8}; {@code scales} as for Q8</li>
 * </ul>
 */
public final class WeightMatrix {
    private final int rows;
    private final int cols;
    private final WeightFormat format;
    private final int group;         // values per scale; 0 for float formats
    private final float[] floats;    // F32: (rows, cols)
    private final short[] halves;    // F16/BF16: (rows, cols)
    private final byte[] quants;     // Q8: (rows, cols); Q4: (rows, cols / 2)
    private final short[] scales;    // Q8/Q4: (rows, cols / group) f16 bits

    private WeightMatrix(int rows, int cols, WeightFormat format, int group, float[] floats, short[] halves,
                         byte[] quants, short[] scales) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("weight matrix needs positive dimensions, got " + rows + "x" + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.format = format;
        this.group = group;
        this.floats = floats;
        this.halves = halves;
        this.quants = quants;
        this.scales = scales;
    }

    public static WeightMatrix f32(int rows, int cols, float[] data) {
        requireLength("f32 values", data.length, (long) rows * cols, rows, cols);
        return new WeightMatrix(rows, cols, WeightFormat.F32, 0, data, null, null, null);
    }

    /** 16-bit floats as stored: {@code format} is F16 or BF16. */
    public static WeightMatrix halves(int rows, int cols, WeightFormat format, short[] bits) {
        if (format != WeightFormat.F16 && format != WeightFormat.BF16) {
            throw new IllegalArgumentException("halves() takes F16 or BF16, not " + format);
        }
        requireLength(format.label() + " values", bits.length, (long) rows * cols, rows, cols);
        return new WeightMatrix(rows, cols, format, 0, null, bits, null, null);
    }

    /** Group-quantized: {@code format} is Q8 or Q4; {@code group} must divide cols (and be even for Q4). */
    public static WeightMatrix quantized(int rows, int cols, WeightFormat format, int group, byte[] quants,
                                         short[] scales) {
        if (!format.quantized()) {
            throw new IllegalArgumentException("quantized() takes Q8 or Q4, not " + format);
        }
        checkGroup(cols, group, format);
        long values = (long) rows * cols;
        requireLength(format.label() + " quants", quants.length, format == WeightFormat.Q8 ? values : values / 2,
                rows, cols);
        requireLength(format.label() + " scales", scales.length, values / group, rows, cols);
        return new WeightMatrix(rows, cols, format, group, null, null, quants, scales);
    }

    /** Throws unless {@code group} is a usable group size for a matrix of {@code cols} inputs. */
    public static void checkGroup(int cols, int group, WeightFormat format) {
        if (group < 2 || cols % group != 0 || (format == WeightFormat.Q4 && group % 2 != 0)) {
            throw new IllegalArgumentException("group size " + group + " does not divide the input dimension "
                    + cols + (format == WeightFormat.Q4 ? " into even groups" : "")
                    + " — choose a group size that divides it (32 divides every dimension of common models)");
        }
    }

    private static void requireLength(String what, long actual, long expected, int rows, int cols) {
        if (actual != expected) {
            throw new IllegalArgumentException(rows + "x" + cols + " matrix needs " + expected + " " + what
                    + ", got " + actual);
        }
    }

    /** Output dimension (rows of the HF layout). */
    public int rows() {
        return rows;
    }

    /** Input dimension. */
    public int cols() {
        return cols;
    }

    public WeightFormat format() {
        return format;
    }

    /** Values per scale; 0 for the float formats. */
    public int group() {
        return group;
    }

    public float[] floats() {
        return Objects.requireNonNull(floats, () -> "not an f32 matrix: " + this);
    }

    public short[] halves() {
        return Objects.requireNonNull(halves, () -> "not an f16/bf16 matrix: " + this);
    }

    public byte[] quants() {
        return Objects.requireNonNull(quants, () -> "not a quantized matrix: " + this);
    }

    public short[] scales() {
        return Objects.requireNonNull(scales, () -> "not a quantized matrix: " + this);
    }

    /** Bytes really held by this matrix's arrays. */
    public long heldBytes() {
        return format.bytes(rows, cols, group);
    }

    @Override
    public String toString() {
        return "WeightMatrix[" + rows + "x" + cols + " " + format.label() + (group > 0 ? "/g" + group : "") + "]";
    }
}
