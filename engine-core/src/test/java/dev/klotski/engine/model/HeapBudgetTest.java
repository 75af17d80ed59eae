package dev.klotski.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.model.weights.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A model larger than the heap fails before loading, naming the size and the setting that fixes it. */
class HeapBudgetTest {

    @Test
    void tooSmallAHeapIsAClearErrorBeforeAnyWeightIsRead() {
        Path model = TestModels.qwen3();
        long needed;
        long stored;
        try (Checkpoint c = Checkpoint.open(model)) {
            needed = HeapBudget.heldBytes(c);
            stored = c.totalBytes();
        }
        // tiny-qwen3-moe: 329,856 BF16 parameters; only its norm vectors are widened to float32.
        assertEquals(329_856L * 2, stored);
        assertTrue(needed >= stored && needed <= stored * 1.05, "held " + needed + " vs stored " + stored);
        ModelConfigException e = assertThrows(ModelConfigException.class,
                () -> ModelLoader.load(model, ModelConfig.load(model), ExpertSourceFactory.RESIDENT, needed / 2));
        assertTrue(e.getMessage().contains("KLOTSKI_JAVA_OPTS=-Xmx") && e.getMessage().contains("spark.executor.memory"),
                e.getMessage());
        assertNotNull(ModelLoader.load(model, ModelConfig.load(model), ExpertSourceFactory.RESIDENT, needed * 2));
    }
}
