package dev.klotski.engine.util;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Tracer} that keeps spans in memory and writes them as a Chrome trace (the JSON "trace event"
 * format: opens in Perfetto or chrome://tracing), one named track per thread role. Bounded: past
 * {@code maxSpans} spans it counts the rest as dropped instead of growing without end.
 */
public final class ChromeTrace implements Tracer {
    private record Span(String track, String name, long start, long end) {
    }

    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final int maxSpans;
    private final long origin = System.nanoTime();

    public ChromeTrace(int maxSpans) {
        this.maxSpans = maxSpans;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void span(String track, String name, long startNanos, long endNanos) {
        if (count.incrementAndGet() > maxSpans) {
            dropped.incrementAndGet();
            return;
        }
        spans.add(new Span(track, name, startNanos, endNanos));
    }

    /** Spans not kept because the bound was reached. */
    public int dropped() {
        return dropped.get();
    }

    public int size() {
        return Math.min(count.get(), maxSpans);
    }

    /** Writes every span so far: {"traceEvents": [...]}, times in microseconds from the trace's start. */
    public void write(Path file) throws IOException {
        Map<String, Integer> tracks = new LinkedHashMap<>();
        tracks.put("compute", 1); // compute first, then I/O streams in order of first use
        List<Span> all = new ArrayList<>(spans);
        for (Span s : all) {
            tracks.computeIfAbsent(s.track(), t -> tracks.size() + 1);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (JsonGenerator g = new JsonFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeArrayFieldStart("traceEvents");
            for (Map.Entry<String, Integer> t : tracks.entrySet()) {
                g.writeStartObject();
                g.writeStringField("ph", "M");
                g.writeStringField("name", "thread_name");
                g.writeNumberField("pid", 1);
                g.writeNumberField("tid", t.getValue());
                g.writeObjectFieldStart("args");
                g.writeStringField("name", t.getKey());
                g.writeEndObject();
                g.writeEndObject();
            }
            for (Span s : all) {
                g.writeStartObject();
                g.writeStringField("ph", "X");
                g.writeStringField("name", s.name());
                g.writeNumberField("pid", 1);
                g.writeNumberField("tid", tracks.get(s.track()));
                g.writeNumberField("ts", (s.start() - origin) / 1000.0);
                g.writeNumberField("dur", Math.max(0, s.end() - s.start()) / 1000.0);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("droppedSpans", dropped.get());
            g.writeEndObject();
        }
    }
}
