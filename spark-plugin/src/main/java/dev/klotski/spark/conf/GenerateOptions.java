package dev.klotski.spark.conf;

import dev.klotski.engine.api.OverflowPolicy;
import dev.klotski.engine.api.SamplingParams;
import java.io.Serializable;
import java.util.List;

/**
 * Everything one {@code moe_generate} call needs, resolved on the driver when the query is analysed
 * (per-call options over conf defaults) and shipped to executors with the plan.
 */
public record GenerateOptions(EngineSpec engine, int maxNewTokens, float temperature, int topK, float topP,
                              long seed, List<String> stop, boolean chat, String system, boolean truncate,
                              boolean nullOnError, int batchRows, boolean overlapWindows, boolean structOutput,
                              String idColumn)
        implements Serializable {

    public GenerateOptions {
        stop = List.copyOf(stop);
        // Fail at analysis, not in a task, when sampling values are out of range.
        new SamplingParams(maxNewTokens, temperature, topK, topP, seed, stop, 0);
        if (!system.isEmpty() && !chat) {
            throw new IllegalArgumentException("moe_generate: 'system' is only used with chat formatting; set chat=true");
        }
    }

    public static GenerateOptions from(Settings s) {
        return new GenerateOptions(EngineSpec.from(s), s.get(KlotskiConf.MAX_NEW_TOKENS),
                s.get(KlotskiConf.TEMPERATURE), s.get(KlotskiConf.TOP_K), s.get(KlotskiConf.TOP_P),
                s.get(KlotskiConf.SEED), s.get(KlotskiConf.STOP), s.get(KlotskiConf.CHAT), s.get(KlotskiConf.SYSTEM),
                s.get(KlotskiConf.ON_OVERFLOW).equals("truncate"), s.get(KlotskiConf.ON_ERROR).equals("null"),
                s.get(KlotskiConf.BATCH_ROWS), s.get(KlotskiConf.BATCH_OVERLAP),
                s.get(KlotskiConf.OUTPUT).equals("struct"), s.get(KlotskiConf.ID_COLUMN));
    }

    /** Sampling parameters for one row, with the row's own seed. */
    public SamplingParams sampling(long rowSeed) {
        return new SamplingParams(maxNewTokens, temperature, topK, topP, rowSeed, stop, 0);
    }

    public OverflowPolicy overflow() {
        return truncate ? OverflowPolicy.TRUNCATE : OverflowPolicy.FAIL;
    }

    /** The system message for the engine, or null when there is none. */
    public String systemMessage() {
        return system.isEmpty() ? null : system;
    }

    public boolean hasIdColumn() {
        return !idColumn.isEmpty();
    }
}
