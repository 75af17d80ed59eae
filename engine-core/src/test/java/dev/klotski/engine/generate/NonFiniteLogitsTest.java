package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klotski.engine.TestModels;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.SamplingParams;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint with a NaN weight fails its requests with the reason instead of sampling garbage. */
class NonFiniteLogitsTest {

    @Test
    void aNanWeightFailsTheRequestNamingTheCauseInBothModes(@TempDir Path dir) throws IOException {
        Path model = TestModels.copy(TestModels.qwen3(), dir.resolve("nan"));
        poisonFirstValue(model.resolve("model.safetensors"), "model.norm.weight");
        for (boolean invariant : new boolean[] {true, false}) {
            try (KlotskiEngine engine = KlotskiEngine.open(EngineOptions.builder(model).optBatchInvariant(invariant)
                    .optThreads(1).build())) {
                List<RequestOutcome> out = engine.generateEach(List.of(
                        GenerationRequest.ofText("The fox", SamplingParams.GREEDY.withMaxNewTokens(4)),
                        GenerationRequest.ofText("Once upon", SamplingParams.GREEDY.withMaxNewTokens(4))));
                for (RequestOutcome o : out) {
                    RequestOutcome.Failed f = (RequestOutcome.Failed) o;
                    assertEquals(RequestOutcome.Failure.ENGINE_ERROR, f.failure());
                    assertTrue(f.message().contains("non-finite logit") && f.message().contains("checkpoint"),
                            f.message());
                }
            }
        }
    }

    @Test
    void firstFindsNanAndInfinityOnlyInsideItsRange() {
        float[] logits = {1f, Float.NaN, 2f, Float.POSITIVE_INFINITY, 3f};
        assertEquals(-1, NonFiniteLogits.first(logits, 0, 1));
        assertEquals(0, NonFiniteLogits.first(logits, 1, 2));
        assertEquals(1, NonFiniteLogits.first(logits, 2, 2));
        assertEquals(-1, NonFiniteLogits.first(logits, 4, 1));
    }

    /** Overwrites the tensor's first BF16 value with NaN, in place. */
    private static void poisonFirstValue(Path file, String tensor) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            int headerBytes = (int) len.getLong(0);
            ByteBuffer header = ByteBuffer.allocate(headerBytes);
            ch.read(header, 8);
            JsonNode t = new ObjectMapper().readTree(header.array()).get(tensor);
            assertEquals("BF16", t.get("dtype").asText());
            long at = 8 + headerBytes + t.get("data_offsets").get(0).asLong();
            ch.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 0x7FC0), at);
        }
    }
}
