package dev.klotski.engine.offload;

import com.sun.nio.file.ExtendedOpenOption;
import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.model.weights.StoredWeight;
import dev.klotski.engine.model.weights.TensorInfo;
import dev.klotski.engine.tensor.WeightMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The storage tier: reads an expert's tensors from the checkpoint's files with positional reads into a reused
 * staging buffer and copies them into a compute-tier slot. The files stay open for the engine's life. With
 * {@code directIo} the files are opened with O_DIRECT, so reads come from the disk rather than the page cache:
 * reads then start and end on the file system's block boundaries, and the buffer is block-aligned. Safe for
 * concurrent readers, each with its own {@link Staging}.
 */
public final class ExpertStorage implements AutoCloseable {
    private final Map<Path, FileChannel> channels = new HashMap<>();
    private final int alignment; // bytes; 1 without O_DIRECT

    public ExpertStorage(Iterable<Path> files, boolean directIo) {
        int align = 1;
        try {
            for (Path f : files) {
                if (!channels.containsKey(f)) {
                    channels.put(f, open(f, directIo));
                    if (directIo) {
                        align = Math.max(align, (int) Files.getFileStore(f).getBlockSize());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof CheckpointException ce ? ce : new CheckpointException("cannot open the checkpoint's "
                    + "files for expert loading: " + e.getMessage(), e);
        }
        this.alignment = align;
    }

    private static FileChannel open(Path f, boolean directIo) throws IOException {
        OpenOption[] options = directIo
                ? new OpenOption[] {StandardOpenOption.READ, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.READ};
        try {
            return FileChannel.open(f, options);
        } catch (UnsupportedOperationException | IOException e) {
            if (directIo) {
                throw new CheckpointException("cannot open " + f + " with O_DIRECT (" + e.getMessage()
                        + ") — the file system does not support direct I/O; run without --direct-io", e);
            }
            throw e;
        }
    }

    /** A staging buffer able to hold any tensor of these experts, aligned for this storage's reads. */
    public Staging newStaging(long largestTensorBytes) {
        long size = largestTensorBytes + 2L * alignment;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an expert tensor of " + largestTensorBytes
                    + " bytes is larger than one read buffer holds (2 GiB)");
        }
        ByteBuffer raw = ByteBuffer.allocateDirect((int) size + alignment);
        return new Staging(alignment == 1 ? raw : raw.alignedSlice(alignment));
    }

    /** One reader's reusable buffer. */
    public static final class Staging {
        private final ByteBuffer buffer;

        private Staging(ByteBuffer buffer) {
            this.buffer = buffer;
        }
    }

    /**
     * Reads the expert's three matrices into {@code into} (allocated for its shape and format) and returns the
     * bytes read from storage (block rounding included). Throws {@link CheckpointException} naming the file on
     * a read error or a file shorter than its header says.
     */
    public long read(StoredExpert expert, ExpertFfn into, Staging staging) {
        return read(expert, into, staging, null);
    }

    /** As {@link #read(StoredExpert, ExpertFfn, Staging)}, also handing each part's bytes to {@code copy}. */
    long read(StoredExpert expert, ExpertFfn into, Staging staging, PartCopy copy) {
        StoredWeight[] matrices = expert.matrices();
        WeightMatrix[] targets = {into.gate(), into.up(), into.down()};
        long bytes = 0;
        for (int m = 0; m < matrices.length; m++) {
            StoredWeight w = matrices[m];
            if (w.scales() != null) {
                ByteBuffer s = fill(w.scales(), staging);
                w.decodeScales(s, targets[m]);
                bytes += staging.buffer.limit();
                if (copy != null) {
                    copy.part(2 * m + 1, s);
                }
            }
            ByteBuffer v = fill(w.values(), staging);
            w.decodeValues(v, targets[m]);
            bytes += staging.buffer.limit();
            if (copy != null) {
                copy.part(2 * m, v);
            }
        }
        return bytes;
    }

    /** Receives the stored bytes of part {@code index} (2m: values of matrix m; 2m+1: its scales). */
    @FunctionalInterface
    interface PartCopy {
        void part(int index, ByteBuffer bytes);
    }

    /** Reads a tensor's bytes into the staging buffer; returns a view of exactly those bytes. */
    private ByteBuffer fill(TensorInfo t, Staging staging) {
        FileChannel ch = channels.get(t.file());
        if (ch == null) {
            throw new IllegalStateException("file " + t.file() + " was not opened for expert loading");
        }
        long start = t.dataOffset() / alignment * alignment;
        long end = t.dataOffset() + t.byteLength();
        long alignedEnd = (end + alignment - 1) / alignment * alignment;
        int length = (int) (alignedEnd - start);
        ByteBuffer buf = staging.buffer;
        if (length > buf.capacity()) {
            throw new IllegalStateException("tensor '" + t.name() + "' needs " + length + " staging bytes, "
                    + buf.capacity() + " were allocated");
        }
        buf.clear().limit(length);
        try {
            long position = start;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, position);
                if (n < 0) {
                    break; // end of file: fine if the tensor itself was read
                }
                position += n;
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot read expert tensor '" + t.name() + "' from " + t.file() + ": "
                    + e.getMessage() + " — check the disk and the file", e);
        }
        if (start + buf.position() < end) {
            throw new CheckpointException(t.file() + " ends before tensor '" + t.name() + "' does (at byte "
                    + (start + buf.position()) + " of " + end + ") — the file is truncated; download it again");
        }
        int at = (int) (t.dataOffset() - start);
        buf.limit(length);
        return buf.slice(at, (int) t.byteLength());
    }

    @Override
    public void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a read-only channel loses nothing
            }
        }
        channels.clear();
    }
}
