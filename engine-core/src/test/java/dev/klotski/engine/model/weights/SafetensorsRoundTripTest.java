package dev.klotski.engine.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.tensor.DType;
import dev.klotski.engine.tensor.HalfFloats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 3);
        }
        return v;
    }

    @Test
    void roundTripsEachDtypeWithItsRounding() throws IOException {
        float[] f32 = gaussian(1000, 1);
        float[] bf16 = gaussian(1000, 2);
        float[] f16 = gaussian(1000, 3);
        Path file = dir.resolve("model.safetensors");
        long written = new SafetensorsWriter()
                .add("a.f32", DType.F32, new long[] {10, 100}, () -> f32)
                .add("b.bf16", DType.BF16, new long[] {4, 250}, () -> bf16)
                .add("c.f16", DType.F16, new long[] {1000}, () -> f16)
                .metadata(Map.of("format", "pt"))
                .write(file);
        assertEquals(1000 * 4 + 1000 * 2 + 1000 * 2, written);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(List.of("a.f32", "b.bf16", "c.f16"), List.copyOf(st.tensorNames()));
            assertEquals(Map.of("format", "pt"), st.metadata());
            TensorInfo b = st.info("b.bf16");
            assertEquals(DType.BF16, b.dtype());
            assertArrayEquals(new long[] {4, 250}, b.shape());
            assertEquals("[4, 250]", b.shapeString());
            assertEquals(1000, b.elementCount());
            assertEquals(2000, b.byteLength());

            assertArrayEquals(f32, st.readFloats("a.f32"));
            float[] bfBack = st.readFloats("b.bf16");
            float[] f16Back = st.readFloats("c.f16");
            for (int i = 0; i < 1000; i++) {
                assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(bf16[i])), bfBack[i]);
                assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f16[i])), f16Back[i]);
                assertEquals(bf16[i], bfBack[i], Math.abs(bf16[i]) * 0x1p-8f); // bf16 has 8 significant bits
                assertEquals(f16[i], f16Back[i], Math.abs(f16[i]) * 0x1p-11f + 0x1p-24f);
            }
        }
    }

    @Test
    void shortsAndBytesAreWrittenAsGivenAcrossBufferFlushes() throws IOException {
        short[] bits = new short[600_000]; // more than the writer's 1 MiB buffer holds
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (i * 40503); // every pattern kind, NaN and subnormal bits included
        }
        byte[] signed = new byte[1_500_001];
        for (int i = 0; i < signed.length; i++) {
            signed[i] = (byte) (i * 31);
        }
        byte[] unsigned = {0, 1, (byte) 0x7F, (byte) 0x80, (byte) 0xFF};
        Path file = dir.resolve("raw.safetensors");
        long written = new SafetensorsWriter()
                .add("a.f32", DType.F32, new long[] {3}, () -> new float[] {1, 2, 3}) // odd length: unaligned after it
                .addShorts("b.bf16", DType.BF16, new long[] {600, 1000}, () -> bits)
                .addBytes("c.i8", DType.I8, new long[] {signed.length}, () -> signed)
                .addShorts("d.f16", DType.F16, new long[] {2}, () -> new short[] {(short) 0x3C00, (short) 0xFC00})
                .addBytes("e.u8", DType.U8, new long[] {5}, () -> unsigned)
                .write(file);
        assertEquals(12 + 1_200_000 + 1_500_001 + 4 + 5, written);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertArrayEquals(new float[] {1, 2, 3}, st.readFloats("a.f32"));
            assertArrayEquals(bits, st.readShorts("b.bf16"));
            assertArrayEquals(signed, st.readBytes("c.i8"));
            assertArrayEquals(new short[] {(short) 0x3C00, (short) 0xFC00}, st.readShorts("d.f16"));
            assertArrayEquals(unsigned, st.readBytes("e.u8"));
            assertEquals(DType.U8, st.info("e.u8").dtype());
        }
    }

    @Test
    void rawWritersRefuseTheWrongDtypeOrLength() {
        SafetensorsWriter w = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> w.addBytes("x", DType.BF16, new long[] {1}, () -> new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> w.addShorts("x", DType.I8, new long[] {1}, () -> new short[1]));
        assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.U8, new long[] {1}, () -> new float[1]));
        Path file = dir.resolve("short.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class, () -> new SafetensorsWriter()
                .addBytes("q.int8", DType.I8, new long[] {2, 4}, () -> new byte[7]).write(file));
        assertTrue(e.getMessage().contains("'q.int8'") && e.getMessage().contains("needs 8 values"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void bf16IsRoundedToNearestEvenOnDisk() throws IOException {
        float[] ties = {
            Float.intBitsToFloat(0x3F808000), // 1 + 2^-8: halfway, 0x3F80 is even -> down
            Float.intBitsToFloat(0x3F818000), // halfway, 0x3F81 is odd -> up to 0x3F82
            Float.intBitsToFloat(0x3F808001), // just above halfway -> up
            -2.5f, // exactly representable
        };
        Path file = dir.resolve("ties.safetensors");
        new SafetensorsWriter().add("t", DType.BF16, new long[] {4}, () -> ties).write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            ByteBuffer raw = st.rawBytes("t");
            assertEquals(ByteOrder.LITTLE_ENDIAN, raw.order());
            assertTrue(raw.isReadOnly());
            assertEquals(8, raw.remaining());
            assertEquals(0x3F80, raw.getShort(0) & 0xFFFF);
            assertEquals(0x3F82, raw.getShort(2) & 0xFFFF);
            assertEquals(0x3F81, raw.getShort(4) & 0xFFFF);
            assertEquals(0xC020, raw.getShort(6) & 0xFFFF);
            assertEquals((byte) 0x80, raw.get(0)); // little-endian: low byte first
            assertArrayEquals(new float[] {1f, 1.015625f, 1.0078125f, -2.5f}, st.readFloats("t"));
        }
    }

    @Test
    void headerIsPaddedToEightBytesLikeTheReference() throws IOException {
        Path file = dir.resolve("pad.safetensors");
        new SafetensorsWriter().add("x", DType.F32, new long[] {3}, () -> new float[] {1, 2, 3}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLength % 8);
        assertEquals(8 + headerLength + 12, bytes.length);
        String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}"), header);
        assertTrue(header.matches("\\{.*\\} *"), "JSON followed only by space padding: '" + header + "'");
        assertEquals(1f, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat((int) (8 + headerLength)));
    }

    @Test
    void valuesAreProducedLazilyInDeclarationOrder() {
        StringBuilder calls = new StringBuilder();
        SafetensorsWriter w = new SafetensorsWriter()
                .add("first", DType.F32, new long[] {1}, () -> {
                    calls.append("1");
                    return new float[] {1};
                })
                .add("second", DType.F32, new long[] {1}, () -> {
                    calls.append("2");
                    return new float[] {2};
                });
        assertEquals("", calls.toString(), "suppliers must not run before write()");
        w.write(dir.resolve("lazy.safetensors"));
        assertEquals("12", calls.toString());
    }

    @Test
    void wrongValueCountFailsAndLeavesNoFileBehind() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        SafetensorsWriter w = new SafetensorsWriter()
                .add("ok", DType.F32, new long[] {2}, () -> new float[] {1, 2})
                .add("short.one", DType.BF16, new long[] {2, 3}, () -> new float[5]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> w.write(file));
        assertTrue(e.getMessage().contains("short.one"), e.getMessage());
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("needs 6 values"), e.getMessage());
        assertFalse(Files.exists(file));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "no temp file may be left behind");
        }
    }

    @Test
    void failedRewriteKeepsTheOldFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("x", DType.F32, new long[] {1}, () -> new float[] {7}).write(file);
        byte[] before = Files.readAllBytes(file);
        assertThrows(CheckpointException.class, () -> new SafetensorsWriter()
                .add("x", DType.F32, new long[] {1}, () -> new float[] {1, 2}).write(file));
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void rejectsBadDeclarations() {
        SafetensorsWriter w = new SafetensorsWriter().add("x", DType.F32, new long[] {1}, () -> new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.F32, new long[] {1}, () -> new float[1]));
        assertThrows(IllegalArgumentException.class, () -> w.add("neg", DType.F32, new long[] {-1}, () -> null));
        assertThrows(IllegalArgumentException.class,
                () -> w.add("__metadata__", DType.F32, new long[] {1}, () -> null));
    }

    @Test
    void emptyAndScalarTensorsRoundTrip() throws IOException {
        Path file = dir.resolve("edge.safetensors");
        new SafetensorsWriter()
                .add("empty", DType.BF16, new long[] {0, 4}, () -> new float[0])
                .add("scalar", DType.F32, new long[] {}, () -> new float[] {42})
                .write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(0, st.readFloats("empty").length);
            assertEquals(0, st.info("empty").byteLength());
            assertEquals(1, st.info("scalar").elementCount());
            assertArrayEquals(new float[] {42}, st.readFloats("scalar"));
        }
    }

    @Test
    void tensorsCrossingSegmentBoundariesReadCorrectly() throws IOException {
        float[] a = gaussian(10, 4);  // 40 bytes
        float[] b = gaussian(75, 5);  // 300 bytes: larger than a segment
        float[] c = gaussian(20, 6);  // 40 bytes bf16
        float[] d = gaussian(13, 7);  // 26 bytes f16, leaves later offsets unaligned
        float[] e = gaussian(30, 8);  // 120 bytes
        Path file = dir.resolve("seg.safetensors");
        new SafetensorsWriter()
                .add("a", DType.F32, new long[] {10}, () -> a)
                .add("b", DType.F32, new long[] {3, 25}, () -> b)
                .add("c", DType.BF16, new long[] {20}, () -> c)
                .add("d", DType.F16, new long[] {13}, () -> d)
                .add("e", DType.F32, new long[] {30}, () -> e)
                .write(file);
        try (SafetensorsFile whole = SafetensorsFile.open(file);
                SafetensorsFile segmented = SafetensorsFile.open(file, 100)) {
            assertEquals(1, whole.segmentCount());
            // [a] [b alone, bigger than a segment] [c d] [e]: fixed 100-byte windows would cut b, d and e.
            assertEquals(4, segmented.segmentCount());
            for (String name : whole.tensorNames()) {
                assertArrayEquals(whole.readFloats(name), segmented.readFloats(name), name);
                assertEquals(whole.rawBytes(name), segmented.rawBytes(name), name);
            }
            assertArrayEquals(b, segmented.readFloats("b"));
            assertArrayEquals(e, segmented.readFloats("e"));
        }
    }

    @Test
    void shardIndexHasTheHuggingFaceLayout() throws IOException {
        SafetensorsWriter.writeShardIndex(dir, Map.of("b", "model-00002-of-00002.safetensors",
                "a", "model-00001-of-00002.safetensors"), 1234);
        var root = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("model.safetensors.index.json").toFile());
        assertEquals(1234, root.get("metadata").get("total_size").asLong());
        assertEquals("model-00001-of-00002.safetensors", root.get("weight_map").get("a").asText());
        assertEquals(List.of("a", "b"), List.copyOf(iteratorToList(root.get("weight_map").fieldNames())));
    }

    private static List<String> iteratorToList(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
