package dev.klotski.engine.api;

import java.util.ArrayList;
import java.util.List;
import dev.klotski.engine.generate.EngineClosedException;
import java.util.concurrent.CancellationException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs a batch; when it fails, runs each half again, and so on, until every failure is pinned on single
 * items, so one request that breaks generation never fails its batch-mates. The cost is paid only on
 * failure: about 2 log2(n) extra batch runs for one bad item among n. In batch-invariant mode the re-run
 * items get exactly the results they would have had in the full batch. Cancellation, a closing engine and
 * Errors (out of memory, say) are not the request's fault and end the whole call.
 */
final class FaultIsolation {
    private FaultIsolation() {
    }

    /**
     * @param batch   runs items together, one result per item in order
     * @param failed  the result of an item that fails alone
     */
    static <T, R> List<R> run(List<T> items, Function<List<T>, List<R>> batch, BiFunction<T, RuntimeException, R> failed) {
        if (items.isEmpty()) {
            return List.of();
        }
        try {
            return batch.apply(items);
        } catch (CancellationException | EngineClosedException e) {
            throw e;
        } catch (RuntimeException e) {
            if (items.size() == 1) {
                return List.of(failed.apply(items.get(0), e));
            }
            int half = items.size() / 2;
            List<R> out = new ArrayList<>(run(items.subList(0, half), batch, failed));
            out.addAll(run(items.subList(half, items.size()), batch, failed));
            return out;
        }
    }
}
