package dev.klotski.engine.offload.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small NPY v1.0 files and trace folders for tests. */
public final class NpyFiles {
    private NpyFiles() {
    }

    /** The bytes of an NPY v1.0 file with this header dict and data, padded as NumPy pads. */
    public static byte[] npy(String dict, byte[] data) {
        String header = dict;
        int total = 10 + header.length() + 1;
        header += " ".repeat((64 - total % 64) % 64) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(data);
        return out.toByteArray();
    }

    public static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    public static byte[] int64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /**
     * A trace folder: {@code requests[r][t][l]} are the experts token t of request r chose at layer l (all the
     * same count, best first).
     */
    public static Path trace(Path dir, int[][][][] requests) throws IOException {
        Files.createDirectories(dir);
        int layers = requests[0][0].length;
        int k = requests[0][0][0].length;
        ByteArrayOutputStream ids = new ByteArrayOutputStream();
        long[] offsets = new long[requests.length + 1];
        for (int r = 0; r < requests.length; r++) {
            offsets[r + 1] = offsets[r] + requests[r].length;
            for (int[][] token : requests[r]) {
                for (int[] layer : token) {
                    for (int e : layer) {
                        ids.write(e);
                    }
                }
            }
        }
        Files.write(dir.resolve(Trace.EXPERT_IDS), npy(dict("|u1", "(" + offsets[requests.length] + ", " + layers
                + ", " + k + ")"), ids.toByteArray()));
        Files.write(dir.resolve(Trace.REQUEST_OFFSETS), npy(dict("<i8", "(" + offsets.length + ",)"), int64(offsets)));
        return dir;
    }
}
