package dev.klotski.engine.model.weights;

import dev.klotski.engine.tensor.WeightFormat;

/**
 * How a Klotski quantized folder names a quantized weight: a weight {@code W} (say
 * {@code model.layers.0.mlp.experts.3.down_proj.weight}) becomes {@code W.int8} (I8, shape [out, in]) or
 * {@code W.int4} (U8, shape [out, in / 2]) plus {@code W.int8_scales} / {@code W.int4_scales} (F16, shape
 * [out, in / group]). No HF tool mistakes these for plain weights: the plain name {@code W} is absent.
 */
public final class QuantizedTensors {
    private QuantizedTensors() {
    }

    /** Name of the quants tensor of weight {@code name} in {@code format} (Q8 or Q4). */
    public static String quants(String name, WeightFormat format) {
        return name + "." + format.label();
    }

    /** Name of the scales tensor of weight {@code name} in {@code format} (Q8 or Q4). */
    public static String scales(String name, WeightFormat format) {
        return name + "." + format.label() + "_scales";
    }
}
