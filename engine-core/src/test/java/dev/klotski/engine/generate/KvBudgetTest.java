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

/**
 * The batch loop admits a sequence only while the group's KV caches fit the memory left; one that could not fit
 * even alone is refused before any pass, with the fix.
 */
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
    void aSequenceThatCouldNotFitAloneIsRefusedBeforeAnyPass() {
        MoeModel model = ModelLoader.load(TestModels.qwen3());
        KvBudget probe = new KvBudget(model.config(), () -> Long.MAX_VALUE);
        long longOne = probe.worstCaseBytes(PROMPTS.get(1).length, PARAMS.get(1));
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(1);
             Generator tight = new Generator(model, kernels, Arrays::toString, 64, new int[0], () -> longOne)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tight.generate(PROMPTS, PARAMS));
            assertTrue(e.getMessage().contains("KV cache of request 1") && e.getMessage().contains("max_new_tokens")
                    && e.getMessage().contains("-Xmx"), e.getMessage());
        }
    }

    @Test
    void sequencesThatFitOnlyOneAtATimeWaitTheirTurnAndGiveTheSameResults() {
        MoeModel model = ModelLoader.load(TestModels.qwen3());
        List<SamplingSpec> params = List.of(new SamplingSpec(40, 0f, 0, 1f, 0, List.of(), 0),
                new SamplingSpec(40, 0.8f, 0, 1f, 3, List.of(), 0));
        KvBudget probe = new KvBudget(model.config(), () -> Long.MAX_VALUE);
        long one = Math.max(probe.worstCaseBytes(3, params.get(0)), probe.worstCaseBytes(2, params.get(1)));
        long roomForOne = (long) (one * 1.5 / KvBudget.SHARE); // 1.5 caches: never two at once
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(1);
             Generator tight = new Generator(model, kernels, Arrays::toString, 64, new int[0], () -> roomForOne);
             Generator roomy = new Generator(model, kernels, Arrays::toString, 64, new int[0], () -> Long.MAX_VALUE)) {
            List<Outcome> serial = tight.generate(PROMPTS, params);
            List<Outcome> together = roomy.generate(PROMPTS, params);
            assertEquals(1, serial.get(0).batchSize(), "the second waited for the first to leave");
            assertEquals(2, together.get(0).batchSize());
            for (int i = 0; i < 2; i++) {
                assertEquals(Arrays.toString(together.get(i).outputIds()), Arrays.toString(serial.get(i).outputIds()),
                        "request " + i + " does not depend on its company");
            }
        }
    }
}
