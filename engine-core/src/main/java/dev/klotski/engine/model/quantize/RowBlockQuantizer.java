package dev.klotski.engine.model.quantize;

import dev.klotski.engine.tensor.Quantizer;
import dev.klotski.engine.tensor.WeightFormat;
import dev.klotski.engine.tensor.WeightMatrix;
import dev.klotski.engine.tensor.WeightRows;
import java.util.stream.IntStream;

/**
 * Quantizes a stored (F32/F16/BF16) matrix block of rows by block, in parallel. Groups never cross a row, so
 * the result is bit-identical to {@link Quantizer#quantize} over the whole widened matrix, while only a block's
 * floats are ever held (an embedding widened whole would be 4 bytes per value).
 */
final class RowBlockQuantizer {
    private static final int BLOCK_VALUES = 1 << 20;

    private RowBlockQuantizer() {
    }

    static WeightMatrix quantize(WeightMatrix stored, WeightFormat format, int group) {
        int rows = stored.rows();
        int cols = stored.cols();
        WeightMatrix.checkGroup(cols, group, format);
        int bytesPerRow = format == WeightFormat.Q8 ? cols : cols / 2;
        int scalesPerRow = cols / group;
        byte[] quants = new byte[Math.multiplyExact(rows, bytesPerRow)];
        short[] scales = new short[Math.multiplyExact(rows, scalesPerRow)];
        int blockRows = Math.max(1, BLOCK_VALUES / cols);
        int blocks = (rows + blockRows - 1) / blockRows;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int first = b * blockRows;
            int n = Math.min(blockRows, rows - first);
            float[] values = new float[n * cols];
            WeightRows.widen(stored, first, n, values, 0);
            WeightMatrix part = Quantizer.quantize(values, n, cols, format, group);
            System.arraycopy(part.quants(), 0, quants, first * bytesPerRow, n * bytesPerRow);
            System.arraycopy(part.scales(), 0, scales, first * scalesPerRow, n * scalesPerRow);
        });
        return WeightMatrix.quantized(rows, cols, format, group, quants, scales);
    }
}
