package dev.klotski.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.kv.KvCache;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** When a sequence stops, and what it reports, driven by hand-made logits (greedy picks the hot id). */
class SequenceTest {
    private static final int VOCAB = 8;
    private static final int[] EOS = {7};
    /** Token i decodes to the letter 'a' + i; EOS (7) is special and decodes to nothing. */
    private static final Function<int[], String> DECODER = ids -> {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id != 7) {
                sb.append((char) ('a' + id));
            }
        }
        return sb.toString();
    };

    private static Sequence sequence(SamplingSpec p) {
        return new Sequence(new int[] {1, 2, 3}, p, new KvCache(dev.klotski.engine.kernel.cpu.CpuKernels.reference(), 1, 2, 64, 4));
    }

    private static float[] hot(int id) {
        float[] logits = new float[VOCAB];
        logits[id] = 10f;
        return logits;
    }

    private static SamplingSpec greedy(int maxNew, List<String> stops, int topLogprobs) {
        return new SamplingSpec(maxNew, 0f, 0, 1f, 0, stops, topLogprobs);
    }

    private static void feed(Sequence s, int id, int context) {
        s.accept(hot(id), 0, VOCAB, EOS, context, DECODER);
    }

    @Test
    void eosStopsAndIsKeptInTheOutput() {
        Sequence s = sequence(greedy(10, List.of(), 0));
        feed(s, 0, 64);
        feed(s, 1, 64);
        assertTrue(s.active());
        feed(s, 7, 64);
        assertFalse(s.active());
        assertEquals(StopReason.EOS, s.finish);
        assertArrayEquals(new int[] {0, 1, 7}, s.outputIds());
    }

    @Test
    void stopStringCutsTheText() {
        Sequence s = sequence(greedy(10, List.of("cd", "zz"), 0));
        for (int id : new int[] {0, 1, 2}) {
            feed(s, id, 64);
            assertTrue(s.active(), "no stop string yet after " + id);
        }
        feed(s, 3, 64); // "abcd" contains "cd"
        assertEquals(StopReason.STOP_STRING, s.finish);
        assertEquals("ab", s.text);
        assertArrayEquals(new int[] {0, 1, 2, 3}, s.outputIds());
    }

    @Test
    void earliestStopStringWins() {
        Sequence s = sequence(greedy(10, List.of("bc", "ab"), 0));
        feed(s, 4, 64);
        feed(s, 0, 64);
        feed(s, 1, 64); // "eab": "ab" at 1
        assertEquals(StopReason.STOP_STRING, s.finish);
        assertEquals("e", s.text);
    }

    @Test
    void maxNewTokensZeroIsDoneBeforeItStarts() {
        Sequence s = sequence(greedy(0, List.of(), 5));
        assertFalse(s.active());
        assertEquals(StopReason.LENGTH, s.finish);
        assertEquals(0, s.outputIds().length);
    }

    @Test
    void lengthStopsAtMaxNewTokens() {
        Sequence s = sequence(greedy(3, List.of(), 2));
        feed(s, 1, 64);
        feed(s, 2, 64);
        assertNull(s.finish);
        feed(s, 3, 64);
        assertEquals(StopReason.LENGTH, s.finish);
        assertEquals(3, s.topLogprobs.size(), "one top-logprob list per generated token");
        assertEquals(2, s.topLogprobs.get(0).size());
        assertEquals(1, s.topLogprobs.get(0).get(0).id());
    }

    @Test
    void lengthStopsAtTheContext() {
        Sequence s = sequence(greedy(100, List.of(), 0)); // 3 prompt tokens
        feed(s, 1, 5);
        assertTrue(s.active());
        feed(s, 2, 5); // 5 tokens fill the context of 5
        assertEquals(StopReason.LENGTH, s.finish);
    }
}
