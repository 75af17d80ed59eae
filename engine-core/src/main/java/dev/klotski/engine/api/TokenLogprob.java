package dev.klotski.engine.api;

/** One candidate token at a generated position: its id and natural-log softmax probability. */
public record TokenLogprob(int id, double logprob) {
}
