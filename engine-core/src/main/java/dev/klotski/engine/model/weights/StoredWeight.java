package dev.klotski.engine.model.weights;

import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a weight matrix lives in a checkpoint and how it is held once read, checked against the model's shape
 * but not read: what an offloading tier needs to fetch the bytes itself, with positional reads, whenever it
 * wants. {@code values} holds the matrix (F32, F16, BF16 or int8/int4 quants); {@code scales} the f16 scales of
 * a quantized one, else null.
 */
public record StoredWeight(String name, int rows, int cols, WeightFormat format, int group, TensorInfo values,
                           TensorInfo scales) {

    /** Bytes the matrix holds in memory (and reads from storage). */
    public long heldBytes() {
        return format.bytes(rows, cols, group);
    }

    /** A matrix of this shape and format with zeroed arrays, to be filled by {@link #decode}. */
    public WeightMatrix allocate() {
        int values = Math.toIntExact((long) rows * cols);
        return switch (format) {
            case F32 -> WeightMatrix.f32(rows, cols, new float[values]);
            case F16, BF16 -> WeightMatrix.halves(rows, cols, format, new short[values]);
            case Q8 -> WeightMatrix.quantized(rows, cols, format, group, new byte[values], new short[values / group]);
            case Q4 -> WeightMatrix.quantized(rows, cols, format, group, new byte[values / 2], new short[values / group]);
        };
    }

    /**
     * Copies the stored bytes into {@code into} (made by {@link #allocate}): {@code valueBytes} holds exactly
     * {@code values}' bytes, {@code scaleBytes} those of {@code scales} (or is null), both from position 0.
     */
    public void decode(ByteBuffer valueBytes, ByteBuffer scaleBytes, WeightMatrix into) {
        decodeValues(valueBytes, into);
        if (scales != null) {
            decodeScales(scaleBytes, into);
        }
    }

    /** Copies {@code values}' bytes (exactly those, from position 0) into the matrix. */
    public void decodeValues(ByteBuffer valueBytes, WeightMatrix into) {
        ByteBuffer v = valueBytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (format) {
            case F32 -> v.asFloatBuffer().get(into.floats());
            case F16, BF16 -> v.asShortBuffer().get(into.halves());
            case Q8, Q4 -> v.get(into.quants());
        }
    }

    /** Copies {@code scales}' bytes (exactly those, from position 0) into a quantized matrix. */
    public void decodeScales(ByteBuffer scaleBytes, WeightMatrix into) {
        scaleBytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(into.scales());
    }
}
