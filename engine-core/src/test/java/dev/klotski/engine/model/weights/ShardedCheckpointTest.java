package dev.klotski.engine.model.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedCheckpointTest {
    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    final float[] embed = SafetensorsRoundTripTest.gaussian(6 * 4, 11);
    final float[] norm = SafetensorsRoundTripTest.gaussian(4, 12);
    final float[] head = SafetensorsRoundTripTest.gaussian(6 * 4, 13);

    @BeforeEach
    void writeShards() {
        long size1 = new SafetensorsWriter()
                .add("model.embed_tokens.weight", DType.BF16, new long[] {6, 4}, () -> embed)
                .add("model.norm.weight", DType.F32, new long[] {4}, () -> norm)
                .write(dir.resolve(SHARD1));
        long size2 = new SafetensorsWriter()
                .add("lm_head.weight", DType.F16, new long[] {6, 4}, () -> head)
                .write(dir.resolve(SHARD2));
        SafetensorsWriter.writeShardIndex(dir, Map.of(
                "model.embed_tokens.weight", SHARD1, "model.norm.weight", SHARD1, "lm_head.weight", SHARD2),
                size1 + size2);
        // The same tensors in one file, to compare against.
        Path single = dir.resolve("single");
        new SafetensorsWriter()
                .add("model.embed_tokens.weight", DType.BF16, new long[] {6, 4}, () -> embed)
                .add("model.norm.weight", DType.F32, new long[] {4}, () -> norm)
                .add("lm_head.weight", DType.F16, new long[] {6, 4}, () -> head)
                .write(single.resolve("model.safetensors"));
    }

    @Test
    void readsTheSameTensorsAsASingleFile() {
        try (Checkpoint sharded = Checkpoint.open(dir); Checkpoint single = Checkpoint.open(dir.resolve("single"))) {
            assertEquals(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"),
                    List.copyOf(sharded.tensorNames()));
            assertEquals(single.tensorNames(), sharded.tensorNames());
            for (String name : single.tensorNames()) {
                assertArrayEquals(single.floats(name), sharded.floats(name), name);
                assertEquals(single.info(name).dtype(), sharded.info(name).dtype());
            }
            assertEquals(dir.resolve(SHARD2), sharded.info("lm_head.weight").file());
            assertEquals(24 * 2 + 4 * 4 + 24 * 2, sharded.totalBytes());
            assertEquals(single.totalBytes(), sharded.totalBytes());
            assertArrayEquals(norm, sharded.vector("model.norm.weight", 4).floats());
            assertEquals(6, sharded.weight("lm_head.weight", 6, 4).rows());
            assertTrue(sharded.contains("lm_head.weight"));
            assertFalse(sharded.contains("lm_head.bias"));
            assertEquals(dir, sharded.modelDir());
        }
    }

    @Test
    void looseSafetensorsFilesWithoutIndexAreAccepted() throws IOException {
        Files.delete(dir.resolve(Checkpoint.INDEX_FILE));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertEquals(Set.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"),
                    ckpt.tensorNames());
            assertArrayEquals(norm, ckpt.floats("model.norm.weight"));
        }
    }

    @Test
    void indexTakesPrecedenceOverStrayFiles() throws IOException {
        new SafetensorsWriter().add("stray", DType.F32, new long[] {1}, () -> new float[1])
                .write(dir.resolve("extra.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertFalse(ckpt.contains("stray"));
        }
    }

    @Test
    void duplicateTensorAcrossLooseFilesIsAnError() throws IOException {
        Files.delete(dir.resolve(Checkpoint.INDEX_FILE));
        new SafetensorsWriter().add("model.norm.weight", DType.F32, new long[] {4}, () -> norm)
                .write(dir.resolve("copy.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("model.norm.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("copy.safetensors"), e.getMessage());
    }

    @Test
    void indexPointingAtAMissingShardIsAClearError() throws IOException {
        Files.delete(dir.resolve(SHARD2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        String m = e.getMessage();
        assertTrue(m.contains(SHARD2), m);
        assertTrue(m.contains(Checkpoint.INDEX_FILE), m);
        assertTrue(m.contains("lm_head.weight"), m);
        assertTrue(m.contains("does not exist"), m);
    }

    @Test
    void tensorMissingFromItsShardIsAClearError() {
        SafetensorsWriter.writeShardIndex(dir, Map.of("model.embed_tokens.weight", SHARD1,
                "model.norm.weight", SHARD2, "lm_head.weight", SHARD2), 0);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        String m = e.getMessage();
        assertTrue(m.contains("model.norm.weight"), m);
        assertTrue(m.contains(SHARD2), m);
        assertTrue(m.contains("does not contain it"), m);
    }

    @Test
    void indexWithoutWeightMapOrEscapingShardIsRejected() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\":{}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("weight_map"), e.getMessage());

        SafetensorsWriter.writeShardIndex(dir, Map.of("x", "../elsewhere.safetensors"), 0);
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("../elsewhere.safetensors"), e.getMessage());

        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{not json");
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains(Checkpoint.INDEX_FILE) && e.getMessage().contains("not valid JSON"),
                e.getMessage());
    }

    @Test
    void missingFolderAndFolderWithoutWeightsAreClearErrors() throws IOException {
        Path missing = dir.resolve("no-such-model");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(missing));
        assertTrue(e.getMessage().contains("model folder not found: " + missing), e.getMessage());
        assertTrue(e.getMessage().contains("--model"), e.getMessage());

        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("config.json"), "{}");
        e = assertThrows(CheckpointException.class, () -> Checkpoint.open(empty));
        assertTrue(e.getMessage().contains("no safetensors weights in " + empty), e.getMessage());
    }
}
