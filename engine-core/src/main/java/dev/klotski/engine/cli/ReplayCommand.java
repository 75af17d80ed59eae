package dev.klotski.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.offload.replay.LayerFigures;
import dev.klotski.engine.offload.replay.Replay;
import dev.klotski.engine.offload.replay.ReplayResult;
import dev.klotski.engine.offload.replay.RequestRange;
import dev.klotski.engine.offload.replay.Trace;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code klotski replay}: a recorded routing trace through an expert cache policy and a prefetcher. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay a recorded routing trace through an expert cache and a prefetcher (instant loads, no weights): hit rate, loads per token, prefetch precision and recall, and the optimal offline (Belady) hit rate.")
final class ReplayCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--trace", required = true, paramLabel = "DIR", description = "Trace folder: expert_ids.npy and request_offsets.npy (the format of ../shared/traces).")
    Path trace;

    @Option(names = "--cache-fraction", required = true, paramLabel = "F", description = "Share of each layer's experts the cache holds: round(F x experts) slots per layer, at least top-k.")
    double cacheFraction;

    @Option(names = "--policy", required = true, paramLabel = "P", description = "lru, lfu, shallow, activation-aware, pin (needs --profile) or forecast (with --prefetch markov).")
    String policy;

    @Option(names = "--prefetch", required = true, paramLabel = "Q", description = "none, correlation, markov or eam (next-gate needs hidden states, which a trace has not).")
    String prefetch;

    @Option(names = "--group-rows", defaultValue = "1", paramLabel = "N", description = "Requests interleaved step by step, one token of each per step (default ${DEFAULT-VALUE}: one after another).")
    int groupRows;

    @Option(names = "--limit-tokens", defaultValue = "0", paramLabel = "N", description = "Replay only the first N tokens of the chosen requests (default: all).")
    long limitTokens;

    @Option(names = "--profile", paramLabel = "FILE", description = "Routing profile (klotski profile) that pin, correlation, markov and eam start from.")
    Path profile;

    @Option(names = "--requests", paramLabel = "FROM:TO", description = "Replay requests FROM to TO-1 (0-based; either side may be left out).")
    String requests;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "Output: a short table, or one JSON object.")
    GenerateCommand.OutputFormat format;

    @Override
    public Integer call() throws Exception {
        Trace t = Trace.read(trace);
        RoutingProfile p = profile == null ? null : RoutingProfile.read(profile);
        RequestRange range = requests == null ? RequestRange.ALL : RequestRange.parse(requests);
        ReplayResult r = Replay.run(t, new Replay.Options(cacheFraction, policy, prefetch, groupRows, limitTokens,
                range, p));
        PrintWriter out = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            out.println(JSON.writeValueAsString(json(r)));
        } else {
            text(out, r);
        }
        out.flush();
        return 0;
    }

    private ObjectNode json(ReplayResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("trace", trace.toString());
        o.put("layers", r.shape().layers());
        o.put("experts", r.shape().experts());
        o.put("top_k", r.shape().topK());
        o.put("requests", r.requests());
        o.put("tokens", r.tokens());
        o.put("steps", r.steps());
        o.put("group_rows", groupRows);
        o.put("cache_fraction", cacheFraction);
        o.put("slots_per_layer", r.slotsPerLayer());
        o.put("policy", r.policy());
        o.put("prefetch", r.prefetch());
        if (profile != null) {
            o.put("profile", profile.toString());
        } else {
            o.putNull("profile");
        }
        o.put("hit_rate", r.hitRate());
        o.put("loads_per_token", r.loadsPerToken());
        o.put("demand_loads_per_token", r.demandLoadsPerToken());
        o.put("prefetch_loads_per_token", r.prefetchLoadsPerToken());
        o.put("prefetch_precision", r.prefetchPrecision());
        o.put("prefetch_recall", r.prefetchRecall());
        o.put("prefetch_loads_used", r.usefulPrefetchShare());
        o.put("belady_hit_rate", r.beladyHitRate());
        if (!r.evenQuotas()) {
            o.put("belady_hit_rate_same_quotas", r.beladySameQuotasHitRate());
        }
        o.put("distinct_experts_per_step", r.distinctExpertsPerStep());
        ArrayNode layers = o.putArray("per_layer");
        for (int l = 0; l < r.layers().size(); l++) {
            LayerFigures f = r.layers().get(l);
            ObjectNode n = layers.addObject();
            n.put("layer", l);
            n.put("slots", f.slots());
            n.put("hit_rate", f.hitRate());
            n.put("loads_per_token", r.loadsPerToken(l));
            n.put("prefetch_loads", f.prefetchLoads());
            n.put("prefetch_precision", f.precision());
            n.put("prefetch_recall", f.recall());
            n.put("belady_hit_rate", f.beladyHitRate());
            n.put("distinct_experts_per_step", r.distinctExpertsPerStep(l));
        }
        return o;
    }

    private void text(PrintWriter out, ReplayResult r) {
        out.printf(Locale.ROOT, "trace                %s (%s)%n", trace, r.shape());
        out.printf(Locale.ROOT, "replayed             %,d tokens of %d requests in %,d steps (%d rows per step at most)%n",
                r.tokens(), r.requests(), r.steps(), r.groupRows());
        out.printf(Locale.ROOT, "cache                %d of %d experts per layer (F = %s), policy %s, prefetch %s%n",
                r.slotsPerLayer(), r.shape().experts(), cacheFraction, r.policy(), r.prefetch());
        out.printf(Locale.ROOT, "hit rate             %.4f   (Belady %.4f%s)%n", r.hitRate(), r.beladyHitRate(),
                r.evenQuotas() ? "" : String.format(Locale.ROOT, "; %.4f at this policy's split", r.beladySameQuotasHitRate()));
        out.printf(Locale.ROOT, "loads per token      %.4f   (%.4f on demand + %.4f prefetched, per layer)%n",
                r.loadsPerToken(), r.demandLoadsPerToken(), r.prefetchLoadsPerToken());
        out.printf(Locale.ROOT, "prefetch             precision %.4f, recall %.4f, loads used %.4f%n",
                r.prefetchPrecision(), r.prefetchRecall(), r.usefulPrefetchShare());
        out.printf(Locale.ROOT, "distinct per step    %.3f experts per layer%n", r.distinctExpertsPerStep());
        out.println();
        out.println("layer  slots  hit rate  Belady  loads/token  precision  recall  distinct/step");
        for (int l = 0; l < r.layers().size(); l++) {
            LayerFigures f = r.layers().get(l);
            out.printf(Locale.ROOT, "%5d  %5d  %8.4f  %6.4f  %11.4f  %9.4f  %6.4f  %13.3f%n", l, f.slots(), f.hitRate(),
                    f.beladyHitRate(), r.loadsPerToken(l), f.precision(), f.recall(), r.distinctExpertsPerStep(l));
        }
    }
}
