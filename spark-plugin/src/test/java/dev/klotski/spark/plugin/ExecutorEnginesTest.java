package dev.klotski.spark.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.klotski.engine.api.EngineOptions;
import dev.klotski.spark.conf.EngineSpec;
import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.SamplingParams;
import dev.klotski.spark.testing.FakeEngine;
import dev.klotski.spark.testing.TinyModels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor's engines: a failed load is remembered, one slow load never blocks another spec, and specs of one
 * model share its weights.
 */
class ExecutorEnginesTest {

    /** Fails every open, counting them. */
    public static final class BrokenFactory implements EngineFactory {
        static final AtomicInteger OPENS = new AtomicInteger();

        @Override
        public BatchEngine open(EngineOptions options) {
            OPENS.incrementAndGet();
            throw new IllegalArgumentException("model.safetensors is truncated — download it again");
        }
    }

    /** Opens a fake engine; for the model folder "slow", only once released. */
    public static final class SlowFactory implements EngineFactory {
        static final CountDownLatch STARTED = new CountDownLatch(1);
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public BatchEngine open(EngineOptions options) {
            if (options.modelDir().toString().equals("slow")) {
                STARTED.countDown();
                try {
                    RELEASE.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new FakeEngine();
        }
    }

    @AfterEach
    void close() {
        ExecutorEngines.closeAll();
    }

    @Test
    void aFailedLoadIsRememberedWithItsMessageAndNotRetried() {
        EngineSpec spec = new EngineSpec("broken-model", true, 1, BrokenFactory.class.getName());
        for (int task = 0; task < 3; task++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutorEngines.get(spec));
            assertTrue(e.getMessage().contains("model.safetensors is truncated") && e.getMessage().contains("not retried"),
                    e.getMessage());
        }
        assertEquals(1, BrokenFactory.OPENS.get(), "one load for the executor's life");
    }

    @Test
    void aSlowLoadDoesNotBlockAnotherSpec() throws Exception {
        EngineSpec slow = new EngineSpec("slow", true, 1, SlowFactory.class.getName());
        EngineSpec quick = new EngineSpec("quick", true, 1, SlowFactory.class.getName());
        CompletableFuture<BatchEngine> loading = CompletableFuture.supplyAsync(() -> ExecutorEngines.get(slow));
        assertTrue(SlowFactory.STARTED.await(10, TimeUnit.SECONDS));
        BatchEngine other = CompletableFuture.supplyAsync(() -> ExecutorEngines.get(quick)).get(10, TimeUnit.SECONDS);
        assertTrue(other != null, "the quick spec loaded while the slow one was still loading");
        SlowFactory.RELEASE.countDown();
        assertTrue(loading.get(10, TimeUnit.SECONDS) != null);
        assertEquals(2, ExecutorEngines.open().size());
    }

    @Test
    void specsThatDifferInKernelsModeShareOneLoadedModel() {
        String model = TinyModels.small().toString();
        String real = KlotskiEngineFactory.class.getName();
        EngineSpec invariant = new EngineSpec(model, true, 1, real);
        EngineSpec fast = new EngineSpec(model, false, 1, real);
        BatchEngine a = ExecutorEngines.get(invariant);
        BatchEngine b = ExecutorEngines.get(fast);
        assertTrue(a != b, "one engine per spec");
        assertEquals(1, ExecutorEngines.loadedModels(), "one model for both specs");
        List<GenerationRequest> requests = List.of(GenerationRequest.ofText("shared weights",
                new SamplingParams(4, 0f, 0, 1f, 0, List.of(), 0)));
        List<RequestOutcome> fromA = a.generate(requests, Cancellation.NONE);
        List<RequestOutcome> fromB = b.generate(requests, Cancellation.NONE);
        assertTrue(fromA.get(0) instanceof RequestOutcome.Generated && fromB.get(0) instanceof RequestOutcome.Generated,
                fromA + " / " + fromB);
        assertEquals(4, ((RequestOutcome.Generated) fromA.get(0)).result().outputIds().length);
        ExecutorEngines.closeAll();
        assertEquals(0, ExecutorEngines.loadedModels(), "freed when the executor closes its engines");
    }
}
