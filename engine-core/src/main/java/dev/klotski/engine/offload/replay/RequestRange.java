package dev.klotski.engine.offload.replay;

/** Requests {@code from} to {@code to - 1} of a trace (0-based, {@code to} exclusive); parsed from "FROM:TO". */
public record RequestRange(int from, int to) {
    /** Every request. */
    public static final RequestRange ALL = new RequestRange(0, Integer.MAX_VALUE);

    public RequestRange {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad request range " + from + ":" + to);
        }
    }

    /** "FROM:TO", "FROM:" (to the end) or ":TO" (from the first). */
    public static RequestRange parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--requests takes FROM:TO (either may be left out), not '" + text + "'");
        }
        try {
            String a = text.substring(0, colon).strip();
            String b = text.substring(colon + 1).strip();
            int from = a.isEmpty() ? 0 : Integer.parseInt(a);
            int to = b.isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(b);
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("--requests " + text + ": need 0 <= FROM <= TO");
            }
            return new RequestRange(from, to);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--requests takes FROM:TO with whole numbers, not '" + text + "'");
        }
    }

    /** The range cut to a trace's requests; refuses a start past the end. */
    public RequestRange within(Trace trace) {
        if (from > trace.requests()) {
            throw new IllegalArgumentException("requests " + this + " start past the trace's " + trace.requests()
                    + " requests");
        }
        return new RequestRange(from, Math.min(to, trace.requests()));
    }

    @Override
    public String toString() {
        return from + ":" + (to == Integer.MAX_VALUE ? "" : Integer.toString(to));
    }
}
