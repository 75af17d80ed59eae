package dev.klotski.engine.generate;

import dev.klotski.engine.kv.KvCache;
import dev.klotski.engine.model.layers.ExpertCounters;
import dev.klotski.engine.model.layers.ForwardBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of one forward pass of the group: the next token of every sequence that has its prompt in cache,
 * then prompt tokens of the others, in admission order, up to the pass's token limit (a prompt that does not
 * fit goes on in the next pass). Decode tokens always go in, so prefill never holds up decoding.
 */
final class Pass {
    private final ForwardBatch batch;
    private final List<Sequence> sequences; // index = ForwardBatch sequence index
    private final int[] feeds;              // (sequences) prompt tokens this pass feeds of each

    private Pass(ForwardBatch batch, List<Sequence> sequences, int[] feeds) {
        this.batch = batch;
        this.sequences = sequences;
        this.feeds = feeds;
    }

    static Pass of(List<Sequence> running, GroupLimits limits, ExpertCounters counters) {
        int passTokens = limits.passTokens();
        List<Sequence> members = new ArrayList<>();
        int decoding = 0;
        for (Sequence s : running) {
            if (s.prefilled()) {
                decoding++;
            }
        }
        int prefillRoom = Math.max(0, passTokens - decoding);
        int[] feedsOf = new int[running.size()];
        int tokens = decoding;
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            if (!s.prefilled() && prefillRoom > 0) {
                feedsOf[i] = Math.min(prefillRoom, s.promptIds.length - s.fed);
                prefillRoom -= feedsOf[i];
                tokens += feedsOf[i];
            }
        }
        int[] ids = new int[tokens];
        int[] positions = new int[tokens];
        int[] sequence = new int[tokens];
        List<Integer> logitRows = new ArrayList<>();
        List<Integer> feeds = new ArrayList<>();
        int t = 0;
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            int index = members.size();
            if (s.prefilled()) {
                ids[t] = s.lastToken();
                positions[t] = s.length() - 1;
                sequence[t] = index;
                logitRows.add(t++);
            } else if (feedsOf[i] > 0) {
                for (int p = s.fed; p < s.fed + feedsOf[i]; p++) {
                    ids[t] = s.promptIds[p];
                    positions[t] = p;
                    sequence[t] = index;
                    if (p == s.promptIds.length - 1) {
                        logitRows.add(t);
                    }
                    t++;
                }
            } else {
                continue; // waits for room in a later pass
            }
            members.add(s);
            feeds.add(s.prefilled() ? 0 : feedsOf[i]);
        }
        KvCache[] caches = new KvCache[members.size()];
        long[] requestIds = new long[members.size()];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = members.get(i).cache;
            requestIds[i] = members.get(i).requestId;
        }
        ForwardBatch batch = new ForwardBatch(ids, positions, sequence, caches,
                logitRows.stream().mapToInt(Integer::intValue).toArray(), requestIds, counters, limits.batchSize());
        return new Pass(batch, members, feeds.stream().mapToInt(Integer::intValue).toArray());
    }

    ForwardBatch batch() {
        return batch;
    }

    /** The sequences of the pass, by the batch's sequence index. */
    List<Sequence> sequences() {
        return sequences;
    }

    /** Prompt tokens the pass feeds (the rest of its rows are decode rows). */
    int promptTokens() {
        int n = 0;
        for (int f : feeds) {
            n += f;
        }
        return n;
    }

    /** The pass ran: its prompt tokens are in the caches now. */
    void commitFed() {
        for (int i = 0; i < feeds.length; i++) {
            sequences.get(i).fed += feeds[i];
        }
    }
}
