package dev.klotski.engine.model.quantize;

import dev.klotski.engine.model.weights.SafetensorsFile;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.DType;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Rewrites one safetensors file with one tensor dropped or replaced, every other tensor copied bit for bit. */
final class SafetensorsEdit {
    private SafetensorsEdit() {
    }

    static void drop(Path file, String name) {
        rewrite(file, name, w -> { });
    }

    /** Replaces {@code name} by a zero tensor of the given dtype and shape. */
    static void replace(Path file, String name, DType dtype, long[] shape) {
        rewrite(file, name, w -> {
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            switch (dtype) {
                case I8, U8 -> w.addBytes(name, dtype, shape, () -> new byte[n]);
                case F16, BF16 -> w.addShorts(name, dtype, shape, () -> new short[n]);
                case F32 -> w.add(name, dtype, shape, () -> new float[n]);
            }
        });
    }

    /** Replaces {@code name} by its values widened to F32 (exact for BF16 and F16). */
    static void widenToF32(Path file, String name) {
        float[] values;
        long[] shape;
        try (SafetensorsFile original = SafetensorsFile.open(file)) {
            values = original.readFloats(name);
            shape = original.info(name).shape();
        }
        rewrite(file, name, w -> w.add(name, DType.F32, shape, () -> values));
    }

    private static void rewrite(Path file, String victim, Consumer<SafetensorsWriter> replacement) {
        try (SafetensorsFile original = SafetensorsFile.open(file)) {
            if (!original.contains(victim)) {
                throw new IllegalArgumentException(file + " has no tensor " + victim);
            }
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : original.tensorNames()) {
                if (name.equals(victim)) {
                    replacement.accept(w);
                    continue;
                }
                TensorInfo info = original.info(name);
                switch (info.dtype()) {
                    case I8, U8 -> w.addBytes(name, info.dtype(), info.shape(), () -> original.readBytes(name));
                    case F16, BF16 -> w.addShorts(name, info.dtype(), info.shape(), () -> original.readShorts(name));
                    case F32 -> w.add(name, info.dtype(), info.shape(), () -> original.readFloats(name));
                }
            }
            w.write(file);
        }
    }
}
