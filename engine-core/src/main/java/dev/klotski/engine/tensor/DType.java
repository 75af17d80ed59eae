package dev.klotski.engine.tensor;

/**
 * Element types a safetensors file may declare. Klotski computes with the float types of HF checkpoints
 * (F32, F16, BF16) and the byte types its own quantized folders use for int8 quants (I8) and packed int4
 * quants (U8). The other types are known only by size, so a file holding them still validates and opens: a
 * tensor of such a type fails when something reads it, not when a loader merely skips it.
 */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I8("I8", 1),
    U8("U8", 1),
    // Known to the safetensors format, not computed with here.
    BOOL("BOOL", 1),
    F8_E4M3("F8_E4M3", 1),
    F8_E5M2("F8_E5M2", 1),
    I16("I16", 2),
    U16("U16", 2),
    I32("I32", 4),
    U32("U32", 4),
    F64("F64", 8),
    I64("I64", 8),
    U64("U64", 8);

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

    /** Parses a safetensors dtype string; throws naming the known ones when it is not one of them. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        StringBuilder known = new StringBuilder();
        for (DType t : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(t.safetensorsName);
        }
        throw new IllegalArgumentException("unknown tensor dtype '" + name + "': a safetensors header declares one of "
                + known + " (Klotski computes with BF16, F16 and F32, and I8/U8 in its own quantized folders)");
    }
}
