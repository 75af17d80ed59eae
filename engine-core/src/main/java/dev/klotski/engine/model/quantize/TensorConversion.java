package dev.klotski.engine.model.quantize;

import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.model.weights.QuantizedTensors;
import dev.klotski.engine.model.weights.SafetensorsWriter;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One source tensor and what it is written as: as stored ({@code target} null), BF16, or a quants/scales pair.
 * Values are produced only when the writer reaches the tensor, so one tensor at a time is in memory.
 *
 * @param source the tensor in the source checkpoint
 * @param target BF16, Q8 or Q4; null to copy the stored bits exactly
 * @param group  inputs per scale for Q8/Q4
 */
record TensorConversion(TensorInfo source, WeightFormat target, int group) {

    String name() {
        return source.name();
    }

    /** Bytes the output tensors take. */
    long outputBytes() {
        if (target == null) {
            return source.byteLength();
        }
        return target.bytes(source.shape()[0], source.shape()[1], group);
    }

    /** The output tensor names, in the order they are written. */
    String[] outputNames() {
        return target != null && target.quantized()
                ? new String[] {QuantizedTensors.quants(name(), target), QuantizedTensors.scales(name(), target)}
                : new String[] {name()};
    }

    /** Declares the output tensors on {@code w}; {@code done} gets the source bytes once they are produced. */
    void addTo(SafetensorsWriter w, Checkpoint checkpoint, LongConsumer done) {
        String name = name();
        long[] shape = source.shape();
        DType stored = source.dtype();
        if (target == null || (target == WeightFormat.BF16 && stored == DType.BF16)) {
            if (stored == DType.F32) {
                w.add(name, stored, shape, reporting(() -> checkpoint.floats(name), done));
            } else {
                w.addShorts(name, stored, shape, reporting(() -> checkpoint.shorts(name), done));
            }
        } else if (target == WeightFormat.BF16) {
            w.add(name, DType.BF16, shape, reporting(() -> checkpoint.floats(name), done)); // F32/F16 rounded to BF16
        } else {
            addQuantized(w, checkpoint, done);
        }
    }

    /** The quants and scales come from one quantization, held between the two suppliers and then dropped. */
    private void addQuantized(SafetensorsWriter w, Checkpoint checkpoint, LongConsumer done) {
        int rows = (int) source.shape()[0];
        int cols = (int) source.shape()[1];
        WeightMatrix[] held = new WeightMatrix[1];
        Supplier<WeightMatrix> quantized = () -> {
            if (held[0] == null) {
                held[0] = RowBlockQuantizer.quantize(checkpoint.weight(name(), rows, cols), target, group);
            }
            return held[0];
        };
        String[] names = outputNames();
        long packed = target == WeightFormat.Q8 ? cols : cols / 2;
        w.addBytes(names[0], target == WeightFormat.Q8 ? DType.I8 : DType.U8, new long[] {rows, packed},
                () -> quantized.get().quants());
        w.addShorts(names[1], DType.F16, new long[] {rows, cols / group}, reporting(() -> {
            short[] scales = quantized.get().scales();
            held[0] = null;
            return scales;
        }, done));
    }

    private <T> Supplier<T> reporting(Supplier<T> values, LongConsumer done) {
        return () -> {
            T v = values.get();
            done.accept(source.byteLength());
            return v;
        };
    }
}
