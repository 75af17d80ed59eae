package dev.klotski.spark.testing;

import dev.klotski.engine.api.Cancellation;
import dev.klotski.engine.api.EngineMetrics;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.GroupOptions;
import dev.klotski.spark.plugin.BatchEngine;
import dev.klotski.spark.plugin.EngineFactory;
import dev.klotski.spark.plugin.KlotskiEngineFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real engine, with every call watched: when it entered, how often it polled its Cancellation (the engine
 * polls while waiting for its turn and before every forward pass), and when and how it ended. Calls are named
 * by the first word of their first prompt, so a test can follow one job's call.
 */
public final class ObservedEngineFactory implements EngineFactory {
    /** What is known of one call so far; times from System.nanoTime, 0 until they happen. */
    public static final class Call {
        public volatile long entered;
        public volatile long cancelSeen; // the first poll that found the call cancelled
        public volatile long ended;
        public volatile String outcome; // "returned", or the exception's class name
        public final AtomicInteger polls = new AtomicInteger();
    }

    private static final Map<String, Call> CALLS = new ConcurrentHashMap<>();

    /** The latest call named {@code name}, or null before it enters. */
    public static Call call(String name) {
        return CALLS.get(name);
    }

    public static void reset() {
        CALLS.clear();
    }

    @Override
    public BatchEngine open(EngineOptions options) {
        BatchEngine real = new KlotskiEngineFactory().open(options);
        return new BatchEngine() {
            @Override
            public List<RequestOutcome> generate(List<GenerationRequest> requests, Cancellation cancel) {
                Call call = new Call();
                call.entered = System.nanoTime();
                CALLS.put(requests.get(0).text().split(" ")[0], call);
                try {
                    List<RequestOutcome> out = real.generate(requests, () -> {
                        call.polls.incrementAndGet();
                        boolean cancelled = cancel.requested();
                        if (cancelled && call.cancelSeen == 0) {
                            call.cancelSeen = System.nanoTime();
                        }
                        return cancelled;
                    });
                    call.outcome = "returned";
                    return out;
                } catch (RuntimeException e) {
                    call.outcome = e.getClass().getSimpleName();
                    throw e;
                } finally {
                    call.ended = System.nanoTime();
                }
            }

            @Override
            public int contextLength() {
                return real.contextLength();
            }

            @Override
            public EngineMetrics metrics() {
                return real.metrics();
            }

            @Override
            public GroupOptions group() {
                return real.group();
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }
}
