package dev.klotski.engine.tensor;

/** Element types a checkpoint may store. Compute is always float32; these are widened on load. */
public enum DType {
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2);

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
                + "': Klotski reads BF16, F16 and F32 checkpoints (convert other dtypes first)");
    }
}
