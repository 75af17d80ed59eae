package dev.klotski.engine.tensor;

/**
 * How a weight matrix is held in memory. The float formats keep a checkpoint's bits exactly as stored; the
 * group-quantized ones are symmetric with one f16 scale per group of G consecutive input values, with the value
 * mapping of GGUF's Q8_0 ({@code q * d}, q in [-127, 127]) and Q4_0 ({@code (nibble - 8) * d}), so those blocks
 * map onto them without re-quantizing.
 */
public enum WeightFormat {
    F32("f32", 32),
    F16("f16", 16),
    BF16("bf16", 16),
    /** int8 quants, one per byte, plus one f16 scale per group. */
    Q8("int8", 8),
    /** int4 quants packed two to a byte in Q4_0's order, plus one f16 scale per group. */
    Q4("int4", 4);

    /** The group size used when none is asked for: GGUF's block size. */
    public static final int DEFAULT_GROUP = 32;

    private final String label;
    private final int bitsPerValue;

    WeightFormat(String label, int bitsPerValue) {
        this.label = label;
        this.bitsPerValue = bitsPerValue;
    }

    /** The name users type and reports print: "bf16", "int8", ... */
    public String label() {
        return label;
    }

    public boolean quantized() {
        return this == Q8 || this == Q4;
    }

    /** Bytes held for a (rows, cols) matrix, scales included. */
    public long bytes(long rows, long cols, int group) {
        long values = rows * cols;
        long data = values * bitsPerValue / 8;
        return quantized() ? data + values / group * Short.BYTES : data;
    }

    /** Parses a label ("bf16", "int8", "int4", "f16", "f32"); throws naming the valid ones. */
    public static WeightFormat fromLabel(String label) {
        for (WeightFormat f : values()) {
            if (f.label.equalsIgnoreCase(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown weight format '" + label + "': use one of f32, f16, bf16, int8, int4");
    }
}
