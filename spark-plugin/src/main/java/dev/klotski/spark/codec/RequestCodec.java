package dev.klotski.spark.codec;

import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.spark.conf.GenerateOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link PromptBatch} into engine requests: only rows with a non-empty prompt that is valid UTF-8
 * reach the engine.
 */
public final class RequestCodec {
    private RequestCodec() {
    }

    /**
     * The requests and, for each, the batch row it came from; and the rows the engine was not asked about
     * because their bytes are not text ({@code invalid[row]} says why; null for every other row).
     */
    public record Requests(List<GenerationRequest> requests, int[] rowOfRequest, String[] invalid) {
    }

    public static Requests encode(PromptBatch batch, GenerateOptions opts) {
        List<GenerationRequest> out = new ArrayList<>(batch.rows());
        int[] rowOf = new int[batch.rows()];
        String[] invalid = new String[batch.rows()];
        for (int r = 0; r < batch.rows(); r++) {
            if (batch.prompts().isNull(r) || batch.prompts().getValueLength(r) == 0) {
                continue; // null -> null output, empty -> empty output: the engine is not asked
            }
            byte[] bytes = batch.prompts().get(r);
            String text = StrictUtf8.decodeOrNull(bytes);
            if (text == null) {
                invalid[r] = StrictUtf8.problem(bytes);
                continue;
            }
            GenerationRequest req = GenerationRequest.ofText(text, opts.sampling(batch.seeds().get(r)))
                    .withChat(opts.chat()).withSystem(opts.systemMessage()).withOverflow(opts.overflow());
            rowOf[out.size()] = r;
            out.add(req);
        }
        return new Requests(out, Arrays.copyOf(rowOf, out.size()), invalid);
    }
}
