package dev.klotski.engine.model.weights;

import dev.klotski.engine.tensor.DType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives on disk, as declared by a safetensors header (already validated).
 *
 * @param name       the tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype      the element type stored in the file
 * @param shape      dimensions, outermost first (HuggingFace {@code [out, in]} for linear weights)
 * @param file       the safetensors file holding the bytes
 * @param dataOffset absolute byte offset of the first element in {@code file}
 * @param byteLength number of bytes, {@code elementCount() * dtype.bytes()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long dataOffset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone(); // records hand out their components; a shared array could be changed under us
    }

    /** A copy: callers may not change the recorded shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the dimensions (1 for a scalar with shape {@code []}). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The shape as the user sees it in messages: {@code [64, 128]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    // Records compare arrays by reference; two infos for the same tensor should be equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file) && dataOffset == t.dataOffset && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, dataOffset, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString() + " in " + file.getFileName() + " @" + dataOffset + "+" + byteLength;
    }
}
