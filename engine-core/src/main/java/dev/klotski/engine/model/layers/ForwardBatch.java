package dev.klotski.engine.model.layers;

import dev.klotski.engine.kv.KvCache;
import java.util.stream.LongStream;

/**
 * The tokens of one forward pass, from any number of sequences, ragged (no padding). Token t belongs to
 * sequence {@code sequence[t]} at {@code positions[t]}; a sequence's tokens appear in position order and its
 * earlier positions are already in its cache.
 *
 * @param tokens      (T) token ids
 * @param positions   (T) position of each token in its sequence
 * @param sequence    (T) index into caches
 * @param caches      one KV cache per sequence
 * @param logitRows   which token rows need logits (usually each sequence's last token)
 * @param requestIds  one per sequence: the request it serves, stable across passes (prefetchers learn per request)
 * @param counters    where the pass counts expert hits, loads and stalls
 * @param batchSize   sequences per batch of the group (b): sequences 0..b-1 are batch 0, b..2b-1 batch 1 and so
 *                    on, their tokens contiguous; 0 when the pass is one batch
 */
public record ForwardBatch(int[] tokens, int[] positions, int[] sequence, KvCache[] caches, int[] logitRows,
                           long[] requestIds, ExpertCounters counters, int batchSize) {

    public ForwardBatch {
        if (batchSize < 0) {
            throw new IllegalArgumentException("sequences per batch must be >= 0 (0: one batch), got " + batchSize);
        }
        if (tokens.length != positions.length || tokens.length != sequence.length) {
            throw new IllegalArgumentException("tokens, positions and sequence must have the same length");
        }
        if (requestIds.length != caches.length) {
            throw new IllegalArgumentException("one request id per sequence: " + requestIds.length + " ids for "
                    + caches.length + " sequences");
        }
    }

    /** A pass that is one batch. */
    public ForwardBatch(int[] tokens, int[] positions, int[] sequence, KvCache[] caches, int[] logitRows,
                        long[] requestIds, ExpertCounters counters) {
        this(tokens, positions, sequence, caches, logitRows, requestIds, counters, 0);
    }

    /** A pass whose sequences are requests 0..n-1, counted in a fresh {@link ExpertCounters}. */
    public ForwardBatch(int[] tokens, int[] positions, int[] sequence, KvCache[] caches, int[] logitRows) {
        this(tokens, positions, sequence, caches, logitRows, LongStream.range(0, caches.length).toArray(),
                new ExpertCounters());
    }

    public int size() {
        return tokens.length;
    }

    /** The largest position + 1 of any token: how far attention may look back. */
    public int maxSpan() {
        int max = 0;
        for (int p : positions) {
            max = Math.max(max, p + 1);
        }
        return max;
    }

    /**
     * Where each batch's tokens begin, plus the end: batch k holds tokens {@code [starts[k], starts[k+1])}. Tokens
     * of a sequence are contiguous and sequences appear in index order, so a batch is a contiguous range.
     */
    public int[] batchStarts() {
        int sequences = caches.length;
        int batches = batchSize == 0 ? 1 : Math.max(1, (sequences + batchSize - 1) / batchSize);
        int[] starts = new int[batches + 1];
        int t = 0;
        for (int k = 1; k < batches; k++) {
            int firstSequence = k * batchSize;
            while (t < tokens.length && sequence[t] < firstSequence) {
                t++;
            }
            starts[k] = t;
        }
        starts[batches] = tokens.length;
        return starts;
    }
}
