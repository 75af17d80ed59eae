package dev.klotski.engine.offload.replay;

import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.RoutingEvent;

/**
 * Turns a scheduled trace into the {@link RoutingEvent}s the engine would publish: per step, one event per layer
 * in layer order (rows are the step's tokens, each its own sequence, request ids are trace request indexes, no
 * hidden states), and the end of each request after its last step.
 */
public final class TraceEvents {
    /** Receives the events; the event object is reused, so copy what is kept. */
    public interface Listener {
        void routed(RoutingEvent event, int step);

        void requestEnded(long requestId);
    }

    private TraceEvents() {
    }

    public static void replay(Trace trace, Schedule schedule, Listener listener) {
        int k = trace.shape().topK();
        int maxRows = 0;
        for (int s = 0; s < schedule.steps(); s++) {
            maxRows = Math.max(maxRows, schedule.stepStart(s + 1) - schedule.stepStart(s));
        }
        int[] expertIds = new int[maxRows * k];  // (rows * topK) the event's choices
        int[] rowSequence = new int[maxRows];    // (rows) identity: each row is its own sequence
        long[] sequenceIds = new long[maxRows];  // (rows) request of each row
        for (int r = 0; r < maxRows; r++) {
            rowSequence[r] = r;
        }
        RoutingEvent event = new RoutingEvent();
        ExpertCounters counters = new ExpertCounters();
        for (int step = 0; step < schedule.steps(); step++) {
            int first = schedule.stepStart(step);
            int rows = schedule.stepStart(step + 1) - first;
            for (int r = 0; r < rows; r++) {
                sequenceIds[r] = schedule.request(first + r);
            }
            for (int layer = 0; layer < trace.shape().layers(); layer++) {
                for (int r = 0; r < rows; r++) {
                    for (int s = 0; s < k; s++) {
                        expertIds[r * k + s] = trace.expert(schedule.row(first + r), layer, s);
                    }
                }
                listener.routed(event.set(layer, rows, k, expertIds, rowSequence, sequenceIds, null, null, counters), step);
            }
            for (int i = first; i < first + rows; i++) {
                if (schedule.isLast(i)) {
                    listener.requestEnded(schedule.request(i));
                }
            }
        }
    }
}
