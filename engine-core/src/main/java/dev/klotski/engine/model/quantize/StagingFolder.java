package dev.klotski.engine.model.quantize;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A hidden folder next to the output folder that is filled and then renamed into place, so an interrupted or
 * failed run never leaves a half-written model folder that looks complete. Deleted on close unless committed.
 */
final class StagingFolder implements AutoCloseable {
    private final Path target;
    private final Path dir;
    private boolean committed;

    private StagingFolder(Path target, Path dir) {
        this.target = target;
        this.dir = dir;
    }

    /** Throws unless {@code target} is absent or an empty folder: a model folder is never overwritten. */
    static void requireWritable(Path target) {
        if (Files.isRegularFile(target)) {
            throw new IllegalArgumentException("--out " + target + " is a file; give a new folder to write the model into");
        }
        if (Files.isDirectory(target)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                if (entries.iterator().hasNext()) {
                    throw new IllegalArgumentException("--out " + target + " is not empty; refusing to overwrite it"
                            + " — give a new folder, or empty or remove this one first");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --out " + target + ": " + e.getMessage(), e);
            }
        }
    }

    static StagingFolder create(Path target) {
        requireWritable(target);
        Path absolute = target.toAbsolutePath().normalize();
        try {
            Files.createDirectories(absolute.getParent());
            Path dir = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".partial-");
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // temp dirs are 0700
            }
            return new StagingFolder(absolute, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder next to " + target + ": " + e.getMessage()
                    + " — check the parent folder exists and is writable", e);
        }
    }

    Path dir() {
        return dir;
    }

    /** Renames the filled folder to the target (an empty target folder is replaced). */
    void commit() {
        requireWritable(target); // it may have been filled while we worked
        try {
            Files.deleteIfExists(target); // only ever an empty folder here
            Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the finished model from " + dir + " to " + target + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: the leftover has a hidden .partial name and is never mistaken for a model
        }
    }
}
