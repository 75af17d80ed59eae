package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch whose KV caches could outgrow the memory left is refused before it starts, with the fix. */
class KvBudgetTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {5, 6, 7}, new int[] {8, 9});
    private static final List<SamplingSpec> PARAMS = List.of(new SamplingSpec(4, 0f, 0, 1f, 0, List.of(), 0),
            new SamplingSpec(1_000_000, 0f, 0, 1f, 0, List.of(), 0));

    @Test
    void theWorstCaseIsPromptPlusMaxNewTokensCappedAtTheContext() {
        ModelConfig c = ModelConfig.load(TestModels.qwen3());
        KvBudget budget = new KvBudget(c, () -> Long.MAX_VALUE);
        long perPosition = (long) c.layers() * c.kvDim() * 2 * Float.BYTES;
        assertEquals((3 + 4 + c.contextLength()) * perPosition, budget.worstCaseBytes(PROMPTS, PARAMS),
                "the second sequence may fill the context, not a million positions");
    }

    @Test
    void aBatchThatCouldNotFinishIsRefusedBeforeAnyPass() {
        MoeModel model = ModelLoader.load(TestModels.qwen3());
        KvBudget probe = new KvBudget(model.config(), () -> Long.MAX_VALUE);
        long need = probe.worstCaseBytes(PROMPTS, PARAMS);
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(1)) {
            Generator tight = new Generator(model, kernels, Arrays::toString, 64, new int[0], () -> need);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tight.generate(PROMPTS, PARAMS));
            assertTrue(e.getMessage().contains("KV caches of this batch of 2 sequences")
                    && e.getMessage().contains("batch.rows") && e.getMessage().contains("-Xmx"), e.getMessage());
            Generator roomy = new Generator(model, kernels, Arrays::toString, 64, new int[0], () -> need * 2);
            List<SamplingSpec> short2 = List.of(PARAMS.get(0), PARAMS.get(0));
            assertEquals(2, roomy.generate(PROMPTS, short2).size(), "what fits runs");
        }
    }
}
