package dev.klotski.engine.generate;

import dev.klotski.engine.kv.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The running state of one request: its cache, sampler and output so far, and, inside the batch loop, how much of
 * its prompt has been fed and which call it belongs to.
 */
final class Sequence {
    final int[] promptIds;
    final SamplingSpec params;
    KvCache cache;             // made when the loop admits the sequence, dropped when it leaves
    final Sampler sampler;
    Submission owner;          // the call it belongs to (loop only)
    long requestId;            // stable across passes: prefetchers learn per request
    long reservedKvBytes;      // what admission set aside for its cache
    int fed;                   // prompt tokens fed so far
    final List<Integer> output = new ArrayList<>();
    final List<List<Candidate>> topLogprobs = new ArrayList<>();
    StopReason finish;
    String text = "";

    Sequence(int[] promptIds, SamplingSpec params, KvCache cache) {
        this.promptIds = promptIds;
        this.params = params;
        this.cache = cache;
        this.sampler = new Sampler(params);
        if (params.maxNewTokens() == 0) {
            finish = StopReason.LENGTH;
        }
    }

    /** A sequence whose cache the loop makes when it admits it. */
    Sequence(int[] promptIds, SamplingSpec params) {
        this(promptIds, params, null);
    }

    /** Every prompt token is in the cache: the next pass feeds the last sampled token. */
    boolean prefilled() {
        return fed == promptIds.length;
    }

    boolean active() {
        return finish == null;
    }

    /** Position the next fed token takes: the prompt plus all generated tokens before it. */
    int length() {
        return promptIds.length + output.size();
    }

    int lastToken() {
        return output.get(output.size() - 1);
    }

    /** Samples a token from this sequence's logits row and decides whether it ends the sequence. */
    void accept(float[] logits, int offset, int vocab, int[] eosIds, int contextLength,
                Function<int[], String> decoder) {
        if (params.topLogprobs() > 0) {
            topLogprobs.add(Logprobs.top(logits, offset, vocab, params.topLogprobs()));
        }
        int token = sampler.next(logits, offset, vocab);
        output.add(token);
        if (Arrays.stream(eosIds).anyMatch(e -> e == token)) {
            finish = StopReason.EOS;
            return;
        }
        if (!params.stopStrings().isEmpty()) {
            String decoded = decoder.apply(outputIds());
            int cut = firstStop(decoded);
            if (cut >= 0) {
                text = decoded.substring(0, cut);
                finish = StopReason.STOP_STRING;
                return;
            }
        }
        if (output.size() >= params.maxNewTokens() || length() >= contextLength) {
            finish = StopReason.LENGTH;
        }
    }

    private int firstStop(String decoded) {
        int cut = -1;
        for (String stop : params.stopStrings()) {
            int at = decoded.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut;
    }

    int[] outputIds() {
        return output.stream().mapToInt(Integer::intValue).toArray();
    }
}
