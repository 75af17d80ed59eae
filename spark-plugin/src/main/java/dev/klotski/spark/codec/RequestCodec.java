package dev.klotski.spark.codec;

import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.spark.conf.GenerateOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Turns a {@link PromptBatch} into engine requests: only rows with a non-empty prompt reach the engine. */
public final class RequestCodec {
    private RequestCodec() {
    }

    /** The requests and, for each, the batch row it came from. */
    public record Requests(List<GenerationRequest> requests, int[] rowOfRequest) {
    }

    public static Requests encode(PromptBatch batch, GenerateOptions opts) {
        List<GenerationRequest> out = new ArrayList<>(batch.rows());
        int[] rowOf = new int[batch.rows()];
        for (int r = 0; r < batch.rows(); r++) {
            if (batch.prompts().isNull(r) || batch.prompts().getValueLength(r) == 0) {
                continue; // null -> null output, empty -> empty output: the engine is not asked
            }
            String text = new String(batch.prompts().get(r), StandardCharsets.UTF_8);
            GenerationRequest req = GenerationRequest.ofText(text, opts.sampling(batch.seeds().get(r)))
                    .withChat(opts.chat()).withSystem(opts.systemMessage()).withOverflow(opts.overflow());
            rowOf[out.size()] = r;
            out.add(req);
        }
        return new Requests(out, java.util.Arrays.copyOf(rowOf, out.size()));
    }
}
