package dev.klotski.engine.offload.replay;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * The order replay feeds a trace's tokens in. Requests are taken in trace order, cut after the first
 * {@code limitTokens} tokens; with {@code groupRows} N, N requests run side by side and a step is one token of
 * each (one pass, as a multi-batch sees it); a finished request's place goes to the next one at the next step.
 * With N = 1 requests run one after another, a step per token.
 */
public final class Schedule {
    private final int[] rows;       // (tokens) trace row of each scheduled token, step by step
    private final int[] requestOf;  // (tokens) its request
    private final boolean[] last;   // (tokens) the request's last scheduled token
    private final int[] stepStart;  // (steps + 1) first scheduled token of each step
    private final int requests;

    private Schedule(int[] rows, int[] requestOf, boolean[] last, int[] stepStart, int requests) {
        this.rows = rows;
        this.requestOf = requestOf;
        this.last = last;
        this.stepStart = stepStart;
        this.requests = requests;
    }

    public static Schedule of(Trace trace, RequestRange range, long limitTokens, int groupRows) {
        if (groupRows < 1) {
            throw new IllegalArgumentException("--group-rows must be at least 1, not " + groupRows);
        }
        RequestRange r = range.within(trace);
        Deque<int[]> pending = new ArrayDeque<>(); // {request, first row, end row}
        long budget = limitTokens <= 0 ? Long.MAX_VALUE : limitTokens;
        int total = 0;
        for (int q = r.from(); q < r.to() && budget > 0; q++) {
            int start = trace.requestStart(q);
            int n = (int) Math.min(trace.requestStart(q + 1) - start, budget);
            if (n > 0) {
                pending.add(new int[] {q, start, start + n});
                budget -= n;
                total += n;
            }
        }
        int requests = pending.size();
        int[] rows = new int[total];
        int[] requestOf = new int[total];
        boolean[] last = new boolean[total];
        int[] stepStart = new int[total + 1];
        int[][] active = new int[groupRows][]; // {request, next row, end row} per place, or null
        int at = 0;
        int steps = 0;
        while (at < total) {
            stepStart[steps++] = at;
            for (int p = 0; p < groupRows; p++) {
                if (active[p] == null && !pending.isEmpty()) {
                    active[p] = pending.poll();
                }
                int[] a = active[p];
                if (a != null) {
                    rows[at] = a[1]++;
                    requestOf[at] = a[0];
                    last[at] = a[1] == a[2];
                    at++;
                    if (a[1] == a[2]) {
                        active[p] = null;
                    }
                }
            }
        }
        stepStart[steps] = total;
        return new Schedule(rows, requestOf, last, Arrays.copyOf(stepStart, steps + 1), requests);
    }

    public int tokens() {
        return rows.length;
    }

    public int steps() {
        return stepStart.length - 1;
    }

    public int requests() {
        return requests;
    }

    /** Scheduled tokens {@code stepStart(s) .. stepStart(s+1)-1} form step s. */
    public int stepStart(int step) {
        return stepStart[step];
    }

    /** The trace row of scheduled token {@code i}. */
    public int row(int i) {
        return rows[i];
    }

    public int request(int i) {
        return requestOf[i];
    }

    /** Whether scheduled token {@code i} is its request's last. */
    public boolean isLast(int i) {
        return last[i];
    }
}
