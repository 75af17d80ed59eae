package dev.klotski.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.golden.GoldenCase;
import dev.klotski.engine.model.weights.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A loaded model holds its weights as the checkpoint stores them: no float32 copy of any matrix. */
class WeightBytesTest {

    static Stream<Path> models() {
        List<Path> dirs = new ArrayList<>();
        GoldenCase.bundled().forEach(c -> dirs.add(c.modelDir()));
        Path shared = GoldenCase.sharedMixtral();
        if (shared != null) {
            dirs.add(shared);
        }
        return dirs.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void heldBytesAreWithinFivePercentOfTheCheckpoint(Path dir) {
        long stored;
        try (Checkpoint c = Checkpoint.open(dir)) {
            stored = c.totalBytes();
        }
        try (MoeModel model = ModelLoader.load(dir)) {
            long held = model.weightBytes().total();
            assertTrue(held >= stored * 0.95 && held <= stored * 1.05,
                    dir.getFileName() + ": held " + held + " bytes, checkpoint " + stored);
            Map<String, Long> byFormat = model.weightBytes().byFormat();
            // The fixtures are BF16 checkpoints: matrices stay bf16, only 1-D norms and biases become f32.
            assertTrue(byFormat.get("bf16") > 0.9 * held, dir.getFileName() + ": " + byFormat);
            assertEquals(held, byFormat.values().stream().mapToLong(Long::longValue).sum());
        }
    }
}
