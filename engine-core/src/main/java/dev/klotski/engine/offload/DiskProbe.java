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
import java.util.OptionalDouble;

/**
 * Measures how fast storage reads: a sequential read of the given files, taken as one stream in order, in 4 MiB
 * requests, up to a byte limit. With O_DIRECT the page cache cannot help (what a benchmark quotes as the
 * disk's bandwidth next to its results); buffered reads are what the engine gets without --direct-io.
 */
public final class DiskProbe {
    private static final int REQUEST = 4 << 20;

    private DiskProbe() {
    }

    /** Bytes per second over up to {@code limitBytes} of the files, in order; falls back to buffered reads. */
    public static double sequentialBytesPerSecond(List<Path> files, long limitBytes) {
        OptionalDouble direct = directBytesPerSecond(files, 0, limitBytes);
        return direct.isPresent() ? direct.getAsDouble() : bufferedBytesPerSecond(files, 0, limitBytes);
    }

    /**
     * O_DIRECT bytes per second over up to {@code limitBytes} of the files, starting {@code skipBytes} (a multiple
     * of 4 MiB) into the stream; empty when the file system refuses O_DIRECT.
     */
    public static OptionalDouble directBytesPerSecond(List<Path> files, long skipBytes, long limitBytes) {
        try {
            return OptionalDouble.of(measure(files, skipBytes, limitBytes, true));
        } catch (UnsupportedOperationException | IOException e) {
            return OptionalDouble.empty();
        }
    }

    /**
     * Buffered bytes per second over up to {@code limitBytes}, starting {@code skipBytes} into the stream. The page
     * cache may serve what was read before (by anyone), so pass a range not read yet to see the disk.
     */
    public static double bufferedBytesPerSecond(List<Path> files, long skipBytes, long limitBytes) {
        try {
            return measure(files, skipBytes, limitBytes, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files + " to measure the disk", e);
        }
    }

    private static double measure(List<Path> files, long skipBytes, long limitBytes, boolean direct)
            throws IOException {
        int align = direct && !files.isEmpty() ? (int) Files.getFileStore(files.get(0)).getBlockSize() : 1;
        ByteBuffer buf = ByteBuffer.allocateDirect(REQUEST + align).alignedSlice(Math.max(1, align));
        buf.limit(REQUEST);
        long skip = skipBytes;
        long total = 0;
        long start = System.nanoTime();
        for (Path f : files) {
            long size = Files.size(f);
            if (skip >= size) { // the whole file lies before the range
                skip -= size;
                continue;
            }
            try (FileChannel ch = direct
                    ? FileChannel.open(f, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)
                    : FileChannel.open(f, StandardOpenOption.READ)) {
                long position = skip / align * align; // O_DIRECT reads start on a block boundary
                skip = 0;
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
