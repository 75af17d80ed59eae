package dev.klotski.engine.plan;

import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.weights.StoredWeight;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.WeightMatrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * The host tier's copy: an expert's stored bytes, held off-heap back to back as the host tier holds them, decoded
 * into a compute-tier expert ({@link StoredWeight#decode}, what a host hit costs). On the CPU backend this is
 * memory bandwidth; a GPU backend's would be the host-to-device link.
 */
final class CopyProbe {
    private CopyProbe() {
    }

    /** Bytes per second over at least 3 copies and about {@code bytes} in all, after warming up. */
    static double bytesPerSecond(StoredExpert expert, long bytes, Stopwatch watch) {
        StoredWeight[] m = expert.matrices();
        ByteBuffer[] values = new ByteBuffer[m.length];
        ByteBuffer[] scales = new ByteBuffer[m.length];
        for (int i = 0; i < m.length; i++) {
            values[i] = read(m[i].values());
            scales[i] = m[i].scales() == null ? null : read(m[i].scales());
        }
        ExpertFfn slot = expert.allocate();
        WeightMatrix[] targets = {slot.gate(), slot.up(), slot.down()};
        Runnable copy = () -> {
            for (int i = 0; i < m.length; i++) {
                m[i].decode(values[i], scales[i], targets[i]);
            }
        };
        watch.warmUp(Stopwatch.timed(copy));
        long copies = Math.max(3, bytes / expert.heldBytes());
        long start = System.nanoTime();
        for (long c = 0; c < copies; c++) {
            copy.run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return copies * expert.heldBytes() / Math.max(seconds, 1e-9);
    }

    /** A tensor's bytes in a new direct buffer, positioned at 0. */
    private static ByteBuffer read(TensorInfo t) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(t.byteLength()));
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, t.dataOffset() + buf.position()) < 0) {
                    throw new IOException("file ends before tensor " + t.name());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + t.name() + " from " + t.file() + ": " + e.getMessage(), e);
        }
        return buf.flip();
    }
}
