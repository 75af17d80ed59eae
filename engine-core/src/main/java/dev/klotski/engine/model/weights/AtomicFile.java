package dev.klotski.engine.model.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file through a hidden temp file in the same folder and an atomic rename, so an interrupted or
 * failed write never leaves a plausible-looking file behind.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    /** Fills the temp file. */
    @FunctionalInterface
    interface Body {
        void write(Path tmp) throws IOException;
    }

    static void write(Path target, Body body) {
        Path absolute = target.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(absolute.getParent());
            tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".", ".partial");
            body.write(tmp);
            makeWorldReadable(tmp);
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + target + ": " + e
                    + " — check the folder exists, is writable and has free space", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the partial file has a hidden temp name and is never mistaken for a checkpoint
                }
            }
        }
    }

    /** Temp files are created owner-only (0600); a model file is read by other users and Spark workers. */
    private static void makeWorldReadable(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
