package dev.klotski.engine.generate;

/** One candidate token at a generated position: its id and natural-log softmax probability. */
public record Candidate(int id, double logprob) {
}
