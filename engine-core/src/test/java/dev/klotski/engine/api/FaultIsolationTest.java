package dev.klotski.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FaultIsolationTest {

    /** A batch runner that fails whenever a poisoned item is in the batch, and records every batch it ran. */
    private static Function<List<Integer>, List<String>> failingWith(List<Integer> poison, List<List<Integer>> runs) {
        return batch -> {
            runs.add(List.copyOf(batch));
            for (int item : batch) {
                if (poison.contains(item)) {
                    throw new IllegalStateException("item " + item + " broke the batch");
                }
            }
            return batch.stream().map(i -> "ok " + i).toList();
        };
    }

    @Test
    void onlyTheItemsThatFailAloneFail() {
        List<Integer> items = IntStream.range(0, 16).boxed().toList();
        List<List<Integer>> runs = new ArrayList<>();
        List<String> out = FaultIsolation.run(items, failingWith(List.of(3, 11), runs), (i, e) -> "failed: " + e.getMessage());
        for (int i = 0; i < 16; i++) {
            assertEquals(i == 3 || i == 11 ? "failed: item " + i + " broke the batch" : "ok " + i, out.get(i));
        }
        assertTrue(runs.size() <= 1 + 2 * 2 * 4, "halving, not one run per item: " + runs.size() + " runs");
    }

    @Test
    void aBatchThatWorksRunsOnce() {
        List<List<Integer>> runs = new ArrayList<>();
        assertEquals(List.of("ok 1", "ok 2"), FaultIsolation.run(List.of(1, 2), failingWith(List.of(), runs), (i, e) -> "x"));
        assertEquals(1, runs.size());
        assertEquals(List.of(), FaultIsolation.run(List.<Integer>of(), failingWith(List.of(), runs), (i, e) -> "x"));
        assertEquals(1, runs.size(), "no run for an empty batch");
    }

    @Test
    void cancellationIsNotIsolatedButEndsTheCall() {
        List<Integer> calls = new ArrayList<>();
        assertThrows(CancellationException.class, () -> FaultIsolation.run(List.of(1, 2, 3), batch -> {
            calls.add(batch.size());
            throw new CancellationException("stop");
        }, (i, e) -> "x"));
        assertEquals(List.of(3), calls);
    }
}
