package dev.klotski.engine.offload.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NumPy .npy file, version 1.0: magic, version, a little-endian uint16 header length, a Python dict literal
 * ({@code descr}, {@code fortran_order}, {@code shape}), then the raw data in C order. Everything is checked
 * against the file's length before any data is read, so a corrupt header is a clear error, never a huge
 * allocation. Integer dtypes only (what traces hold).
 */
public record Npy(Path file, String dtype, long[] shape, ByteBuffer data) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int PREAMBLE = 10; // magic, two version bytes, header length
    /** Integer dtypes and their sizes in bytes. */
    private static final List<String> DTYPES = List.of("|u1", "|i1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8");
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads {@code file}, which must hold one of {@code dtypes} (e.g. "|u1", "<i8") in {@code dims} dimensions. */
    public static Npy read(Path file, int dims, String... dtypes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(PREAMBLE).order(ByteOrder.LITTLE_ENDIAN);
            if (size < PREAMBLE) {
                throw bad(file, "is too short to be a NumPy .npy file (" + size + " bytes)");
            }
            readFully(ch, pre, 0);
            if (!Arrays.equals(Arrays.copyOf(pre.array(), MAGIC.length), MAGIC)) {
                throw bad(file, "is not a NumPy .npy file (bad magic)");
            }
            int major = pre.get(6) & 0xff;
            int minor = pre.get(7) & 0xff;
            if (major != 1 || minor != 0) {
                throw bad(file, "has NPY format version " + major + "." + minor + "; only 1.0 is read");
            }
            int headerLength = pre.getShort(8) & 0xffff;
            if (PREAMBLE + headerLength > size) {
                throw bad(file, "is truncated: its header needs " + headerLength + " bytes, the file has "
                        + (size - PREAMBLE) + " after the preamble");
            }
            ByteBuffer h = ByteBuffer.allocate(headerLength);
            readFully(ch, h, PREAMBLE);
            String header = new String(h.array(), StandardCharsets.ISO_8859_1);
            String dtype = field(file, DESCR, header, "descr");
            if (!List.of(dtypes).contains(dtype)) {
                throw bad(file, "holds dtype '" + dtype + "'; expected " + String.join(" or ", dtypes));
            }
            if (field(file, FORTRAN, header, "fortran_order").equals("True")) {
                throw bad(file, "is in Fortran order; only C order is read");
            }
            long[] shape = shape(file, field(file, SHAPE, header, "shape"));
            if (shape.length != dims) {
                throw bad(file, "has shape " + describe(shape) + "; expected " + dims + " dimensions");
            }
            long dataBytes = dataBytes(file, shape, itemSize(dtype));
            long have = size - PREAMBLE - headerLength;
            if (have != dataBytes) {
                throw bad(file, (have < dataBytes ? "is truncated" : "has trailing bytes") + ": shape "
                        + describe(shape) + " of " + dtype + " needs " + dataBytes + " data bytes, the file has " + have);
            }
            if (dataBytes > Integer.MAX_VALUE - 16) {
                throw bad(file, "holds " + dataBytes + " data bytes, more than one array can hold");
            }
            ByteBuffer data = ByteBuffer.allocate((int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, data, PREAMBLE + headerLength);
            return new Npy(file, dtype, shape, data.rewind());
        } catch (IOException e) {
            throw new TraceFormatException("cannot read " + file + ": " + e, e);
        }
    }

    /** Elements in all. */
    public long count() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Element {@code i} (C order) as a long; unsigned types read unsigned ({@code <u8} above 2^63 is refused). */
    public long get(long i) {
        int at = (int) (i * itemSize(dtype));
        long v = switch (dtype) {
            case "|u1" -> data.get(at) & 0xffL;
            case "|i1" -> data.get(at);
            case "<u2" -> data.getShort(at) & 0xffffL;
            case "<i2" -> data.getShort(at);
            case "<u4" -> data.getInt(at) & 0xffffffffL;
            case "<i4" -> data.getInt(at);
            default -> data.getLong(at); // <i8, <u8
        };
        if (dtype.equals("<u8") && v < 0) {
            throw bad(file, "element " + i + " does not fit a signed 64-bit integer");
        }
        return v;
    }

    private static long dataBytes(Path file, long[] shape, int itemSize) {
        try {
            long n = itemSize;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            throw bad(file, "declares shape " + describe(shape) + ", too large for any file");
        }
    }

    private static long[] shape(Path file, String text) {
        String[] parts = text.split(",");
        long[] out = new long[parts.length];
        int n = 0;
        for (String p : parts) {
            String t = p.strip();
            if (t.isEmpty()) {
                continue; // the trailing comma of a 1-tuple
            }
            try {
                out[n] = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
            } catch (NumberFormatException e) {
                throw bad(file, "has a malformed shape (" + text + ")");
            }
            if (out[n] < 0) {
                throw bad(file, "has a negative dimension in its shape (" + text + ")");
            }
            n++;
        }
        return Arrays.copyOf(out, n);
    }

    private static String field(Path file, Pattern p, String header, String name) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw bad(file, "has no readable '" + name + "' in its header");
        }
        return m.group(1);
    }

    static int itemSize(String dtype) {
        if (!DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("not an integer NPY dtype: " + dtype);
        }
        return Integer.parseInt(dtype.substring(2));
    }

    static String describe(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long at) throws IOException {
        while (into.hasRemaining()) {
            int n = ch.read(into, at + into.position());
            if (n < 0) {
                break;
            }
        }
    }

    private static TraceFormatException bad(Path file, String what) {
        return new TraceFormatException(file + " " + what);
    }
}
