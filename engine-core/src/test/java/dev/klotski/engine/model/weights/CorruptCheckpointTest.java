package dev.klotski.engine.model.weights;

import static dev.klotski.engine.model.weights.RawSafetensors.entry;
import static dev.klotski.engine.model.weights.RawSafetensors.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.tensor.DType;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a checkpoint can be broken gives a CheckpointException naming the file (and tensor). */
class CorruptCheckpointTest {
    @TempDir
    Path dir;

    private static CheckpointException opening(Path file) {
        return assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file).close());
    }

    private static void assertMentions(CheckpointException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter()
                .add("a", DType.F32, new long[] {4}, () -> new float[4])
                .add("b.weight", DType.BF16, new long[] {8}, () -> new float[8])
                .write(file);
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size - 3);
        }
        CheckpointException e = opening(file);
        assertMentions(e, file.toString(), "is truncated", "tensor b.weight", "ends at byte " + size,
                "the file has " + (size - 3) + " bytes", "re-download");
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        byte[] json = header(entry("x", "F32", "[1]", 0, 4)).getBytes(StandardCharsets.UTF_8);
        Path file = RawSafetensors.write(dir.resolve("long-header.safetensors"), 5000, json, new byte[4]);
        assertMentions(opening(file), "long-header.safetensors", "header length is 5000", "has only");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("huge.safetensors"), 1L << 40, new byte[0], new byte[16]);
        assertMentions(opening(file), "huge.safetensors", "header length", "not a safetensors file");
        Path negative = RawSafetensors.write(dir.resolve("neg.safetensors"), -1L, new byte[0], new byte[16]);
        assertMentions(opening(negative), "neg.safetensors", "18446744073709551615");
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path file = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        assertMentions(opening(file), "tiny.safetensors", "only 3 bytes");
    }

    @Test
    void overlappingTensors() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("overlap.safetensors"),
                header(entry("first", "F32", "[4]", 0, 16), entry("second", "F32", "[4]", 8, 24)), new byte[24]);
        assertMentions(opening(file), "overlap.safetensors", "'first'", "'second'", "overlap");
    }

    @Test
    void shapeDoesNotMatchByteSize() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("size.safetensors"),
                header(entry("w", "BF16", "[2, 3]", 0, 16)), new byte[16]);
        assertMentions(opening(file), "size.safetensors", "tensor 'w'", "need 12 bytes", "span 16 bytes");
    }

    @Test
    void beginAfterEnd() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("backwards.safetensors"),
                header(entry("w", "F32", "[0]", 8, 4)), new byte[8]);
        assertMentions(opening(file), "backwards.safetensors", "tensor 'w'", "begin after end");
    }

    @Test
    void aDtypeKlotskiDoesNotComputeWithFailsOnlyWhenRead() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("f64.safetensors"),
                header(entry("q", "F64", "[4]", 0, 32), entry("w", "F32", "[2]", 32, 40)), new byte[40]);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(2, f.readFloats("w").length, "the other tensor reads as usual");
            assertMentions(assertThrows(CheckpointException.class, () -> f.readFloats("q")), "f64.safetensors",
                    "'q'", "F64", "not a float type");
        }
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("q7.safetensors"),
                header(entry("q", "Q7", "[4]", 0, 4)), new byte[4]);
        assertMentions(opening(file), "q7.safetensors", "tensor 'q'", "Q7", "BF16", "header is corrupt");
    }

    @Test
    void headerThatIsNotUtf8() throws IOException {
        byte[] json = header(entry("wX", "F32", "[1]", 0, 4)).getBytes(StandardCharsets.UTF_8);
        int at = new String(json, StandardCharsets.UTF_8).indexOf('X');
        json[at] = (byte) 0xC3; // a lead byte whose continuation is missing
        Path file = RawSafetensors.write(dir.resolve("latin1.safetensors"), json.length, json, new byte[4]);
        assertMentions(opening(file), "latin1.safetensors", "not valid UTF-8", "byte " + (8 + at));
    }

    @Test
    void gapBeforeTheFirstTensor() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("lead.safetensors"),
                header(entry("w", "F32", "[1]", 4, 8)), new byte[8]);
        assertMentions(opening(file), "lead.safetensors", "gap", "before the first tensor 'w'");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("gap.safetensors"),
                header(entry("a", "F32", "[1]", 0, 4), entry("b", "F32", "[1]", 8, 12)), new byte[12]);
        assertMentions(opening(file), "gap.safetensors", "gap", "between tensors 'a' and 'b'");
    }

    @Test
    void trailingBytesAfterTheLastTensor() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("tail.safetensors"),
                header(entry("a", "F32", "[1]", 0, 4)), new byte[7]);
        assertMentions(opening(file), "tail.safetensors", "3 trailing bytes", "last tensor 'a'");
        Path empty = RawSafetensors.write(dir.resolve("empty.safetensors"), "{}", new byte[2]);
        assertMentions(opening(empty), "empty.safetensors", "2 trailing bytes", "declares no tensors");
    }

    @Test
    void zeroSizedTensorsTileTheDataSection() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("zero.safetensors"),
                header(entry("e", "F32", "[0]", 0, 0), entry("a", "F32", "[1]", 0, 4)), new byte[4]);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(0, f.readFloats("e").length);
        }
    }

    @Test
    void headerIsNotJson() throws IOException {
        Path file = RawSafetensors.write(dir.resolve("garbage.safetensors"), "this is not json", new byte[8]);
        assertMentions(opening(file), "garbage.safetensors", "not valid JSON");
        Path array = RawSafetensors.write(dir.resolve("array.safetensors"), "[1, 2]", new byte[0]);
        assertMentions(opening(array), "array.safetensors", "JSON object");
        Path dup = RawSafetensors.write(dir.resolve("dup.safetensors"),
                header(entry("w", "F32", "[1]", 0, 4), entry("w", "F32", "[1]", 4, 8)), new byte[8]);
        assertMentions(opening(dup), "dup.safetensors", "not valid JSON", "w");
    }

    @Test
    void missingOrMalformedFields() throws IOException {
        Path noShape = RawSafetensors.write(dir.resolve("noshape.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]);
        assertMentions(opening(noShape), "noshape.safetensors", "tensor 'w'", "\"shape\"");
        Path badOffsets = RawSafetensors.write(dir.resolve("offsets.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]);
        assertMentions(opening(badOffsets), "offsets.safetensors", "tensor 'w'", "\"data_offsets\"");
        Path negativeDim = RawSafetensors.write(dir.resolve("negdim.safetensors"),
                header(entry("w", "F32", "[-1]", 0, 4)), new byte[4]);
        assertMentions(opening(negativeDim), "negdim.safetensors", "tensor 'w'", "-1");
        Path badMeta = RawSafetensors.write(dir.resolve("meta.safetensors"),
                "{\"__metadata__\":{\"format\":1}}", new byte[0]);
        assertMentions(opening(badMeta), "meta.safetensors", "'format'", "not a string");
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("absent.safetensors");
        assertMentions(opening(file), "model file not found: " + file, "--model");
    }

    @Test
    void missingTensor() throws IOException {
        new SafetensorsWriter().add("model.norm.weight", DType.F32, new long[] {2}, () -> new float[2])
                .write(dir.resolve("model.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> ckpt.info("model.layers.0.self_attn.q_proj.weight"));
            assertMentions(e, "tensor 'model.layers.0.self_attn.q_proj.weight' not found in " + dir,
                    "looked in model.safetensors", "config.json");
            assertThrows(CheckpointException.class, () -> ckpt.floats("nope"));
        }
    }

    @Test
    void wrongShapeInMatrixAndVector() throws IOException {
        new SafetensorsWriter()
                .add("w", DType.BF16, new long[] {4, 8}, () -> new float[32])
                .add("v", DType.F32, new long[] {8}, () -> new float[8])
                .write(dir.resolve("model.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> ckpt.weight("w", 8, 4));
            assertMentions(e, "tensor 'w'", "model.safetensors", "has shape [4, 8]", "expects [8, 4]");
            e = assertThrows(CheckpointException.class, () -> ckpt.weight("v", 1, 8));
            assertMentions(e, "tensor 'v'", "has shape [8]", "expects [1, 8]");
            e = assertThrows(CheckpointException.class, () -> ckpt.vector("v", 9));
            assertMentions(e, "tensor 'v'", "model.safetensors", "has shape [8]", "expects [9]");
            assertTrue(ckpt.weight("w", 4, 8).cols() == 8);
        }
    }

    @Test
    void closedFileRefusesReads() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().add("w", DType.F32, new long[] {1}, () -> new float[1]).write(file);
        SafetensorsFile f = SafetensorsFile.open(file);
        f.close();
        assertMentions(assertThrows(CheckpointException.class, () -> f.readFloats("w")), "model.safetensors",
                "closed", "'w'");
    }
}
