package dev.klotski.engine.tensor;

/**
 * Element types a checkpoint may store: the float types of HF checkpoints, and the byte types Klotski's own
 * quantized folders use for int8 quants (I8) and packed int4 quants (U8).
 */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I8("I8", 1),
    U8("U8", 1);

    private final String safetensorsName;
    private final int bytes;

    DType(String safetensorsName, int bytes) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** Whether this is a floating-point type that can be widened to float32. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The dtype string used in safetensors headers ("BF16", "F16", "F32"). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Parses a safetensors dtype string; throws naming the supported ones when it is not one of them. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported tensor dtype '" + name
                + "': Klotski reads BF16, F16 and F32 checkpoints, and I8/U8 in its own quantized folders (convert other dtypes first)");
    }
}
