package dev.klotski.engine.cli;

import dev.klotski.engine.api.SamplingParams;
import java.util.List;
import picocli.CommandLine.Option;

/** Sampling options, shared by generate and bench. */
final class SamplingArgs {
    @Option(names = "--max-new-tokens", defaultValue = "64", paramLabel = "N", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default); higher = more random.")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Sample among the most likely tokens whose probability adds up to P.")
    float topP;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of this prompt's random stream.")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the output contains TEXT (repeatable).")
    List<String> stop = List.of();

    @Option(names = "--top-logprobs", defaultValue = "0", paramLabel = "K", description = "Report the K best log-probabilities per generated token.")
    int topLogprobs;

    SamplingParams toParams() {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, seed, stop, topLogprobs);
    }
}
