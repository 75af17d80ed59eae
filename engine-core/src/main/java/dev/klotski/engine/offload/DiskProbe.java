package dev.klotski.engine.offload;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Measures how fast storage reads: a sequential O_DIRECT read of the given files (the page cache cannot help),
 * in 4 MiB requests, up to a byte limit. What a benchmark quotes as the disk's bandwidth next to its results.
 */
public final class DiskProbe {
    private static final int REQUEST = 4 << 20;

    private DiskProbe() {
    }

    /** Bytes per second over up to {@code limitBytes} of the files, in order; falls back to buffered reads. */
    public static double sequentialBytesPerSecond(List<Path> files, long limitBytes) {
        try {
            return measure(files, limitBytes, true);
        } catch (UnsupportedOperationException | IOException e) {
            try {
                return measure(files, limitBytes, false);
            } catch (IOException again) {
                throw new UncheckedIOException("cannot read " + files + " to measure the disk", again);
            }
        }
    }

    private static double measure(List<Path> files, long limitBytes, boolean direct) throws IOException {
        int align = direct && !files.isEmpty() ? (int) Files.getFileStore(files.get(0)).getBlockSize() : 1;
        ByteBuffer buf = ByteBuffer.allocateDirect(REQUEST + align).alignedSlice(Math.max(1, align));
        buf.limit(REQUEST);
        long total = 0;
        long start = System.nanoTime();
        for (Path f : files) {
            try (FileChannel ch = direct
                    ? FileChannel.open(f, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)
                    : FileChannel.open(f, StandardOpenOption.READ)) {
                long position = 0;
                while (total < limitBytes) {
                    buf.clear().limit(REQUEST);
                    int n = ch.read(buf, position);
                    if (n <= 0) {
                        break;
                    }
                    position += n;
                    total += n;
                }
            }
            if (total >= limitBytes) {
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return seconds == 0 ? 0 : total / seconds;
    }
}
