package dev.klotski.engine.offload.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NPY reader: good files read, and every kind of bad one is a clear error naming the file. */
class NpyTest {
    @TempDir
    Path tmp;

    private Path file(String name, byte[] bytes) throws Exception {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private String error(Path f, String... dtypes) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> Npy.read(f, 1, dtypes));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsShapeAndValues() throws Exception {
        Path f = file("a.npy", NpyFiles.npy(NpyFiles.dict("<i8", "(3,)"), NpyFiles.int64(0, 7, -2)));
        Npy a = Npy.read(f, 1, "<i8");
        assertArrayEquals(new long[] {3}, a.shape());
        assertEquals(-2, a.get(2));
        Path g = file("b.npy", NpyFiles.npy(NpyFiles.dict("|u1", "(2, 3)"), new byte[] {1, 2, 3, 4, 5, (byte) 200}));
        Npy b = Npy.read(g, 2, "|u1");
        assertArrayEquals(new long[] {2, 3}, b.shape());
        assertEquals(200, b.get(5), "unsigned");
    }

    @Test
    void truncatedOrPaddedData() throws Exception {
        byte[] good = NpyFiles.npy(NpyFiles.dict("<i8", "(3,)"), NpyFiles.int64(1, 2, 3));
        assertTrue(error(file("short.npy", Arrays.copyOf(good, good.length - 1)), "<i8").contains("truncated"));
        assertTrue(error(file("long.npy", Arrays.copyOf(good, good.length + 8)), "<i8").contains("trailing"));
        assertTrue(error(file("header.npy", Arrays.copyOf(good, 40)), "<i8").contains("truncated"));
        assertTrue(error(file("tiny.npy", Arrays.copyOf(good, 4)), "<i8").contains("too short"));
    }

    @Test
    void badMagicVersionDtypeOrOrder() throws Exception {
        byte[] good = NpyFiles.npy(NpyFiles.dict("<i8", "(1,)"), NpyFiles.int64(1));
        byte[] magic = good.clone();
        magic[1] = 'X';
        assertTrue(error(file("magic.npy", magic), "<i8").contains("bad magic"));
        byte[] version = good.clone();
        version[6] = 2;
        assertTrue(error(file("v2.npy", version), "<i8").contains("version 2.0"));
        String dtype = error(file("f4.npy", NpyFiles.npy(NpyFiles.dict("<f4", "(2,)"), new byte[8])), "<i8", "<i4");
        assertTrue(dtype.contains("'<f4'") && dtype.contains("<i8 or <i4"), dtype);
        String fortran = NpyFiles.dict("<i8", "(1,)").replace("False", "True");
        assertTrue(error(file("fortran.npy", NpyFiles.npy(fortran, NpyFiles.int64(1))), "<i8").contains("Fortran"));
        assertTrue(error(file("dims.npy", NpyFiles.npy(NpyFiles.dict("<i8", "(1, 1)"), NpyFiles.int64(1))), "<i8")
                .contains("1 dimensions"));
    }

    @Test
    void aHugeDeclaredShapeIsRefusedBeforeAnyAllocation() throws Exception {
        String overflow = error(file("overflow.npy", NpyFiles.npy(NpyFiles.dict("<i8",
                "(4611686018427387904,)"), NpyFiles.int64(1))), "<i8");
        assertTrue(overflow.contains("too large"), overflow);
        String big = error(file("big.npy", NpyFiles.npy(NpyFiles.dict("|u1", "(2000000000000,)"), new byte[16])),
                "|u1");
        assertTrue(big.contains("truncated") && big.contains("2000000000000"), big);
    }
}
