package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.klotski.engine.TestModels;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Prompts longer than one forward pass's token budget are prefilled in chunks, and a chunk may end inside a
 * prompt. With fixed-order kernels the chunking must not change a single bit of the results.
 */
class ChunkedPrefillTest {

    @Test
    void chunkBoundariesInsidePromptsChangeNothing() {
        MoeModel model = ModelLoader.load(TestModels.qwen3());
        List<int[]> prompts = new ArrayList<>();
        for (int length : new int[] {40, 3, 17, 1}) {
            int[] ids = new int[length];
            for (int i = 0; i < length; i++) {
                ids[i] = (i * 37 + length) % 500;
            }
            prompts.add(ids);
        }
        List<SamplingSpec> params = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            params.add(new SamplingSpec(6, i % 2 == 0 ? 0f : 0.9f, 0, 1f, 11 + i, List.of(), 8));
        }
        try (Kernels kernels = CpuKernelsFactory.scalarFixedOrder(2)) {
            List<Outcome> whole = new Generator(model, kernels, Arrays::toString, 4096).generate(prompts, params);
            // 3 tokens per pass: every prompt but the shortest is split (decode rows of every sequence always go in).
            List<Outcome> chunked = new Generator(model, kernels, Arrays::toString, 3).generate(prompts, params);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(whole.get(i).outputIds(), chunked.get(i).outputIds(), "prompt " + i);
                assertEquals(whole.get(i).topLogprobs(), chunked.get(i).topLogprobs(), "prompt " + i);
            }
        }
    }
}
