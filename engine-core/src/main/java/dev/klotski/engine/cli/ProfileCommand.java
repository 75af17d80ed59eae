package dev.klotski.engine.cli;

import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.offload.ProfileLearner;
import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.offload.replay.RequestRange;
import dev.klotski.engine.offload.replay.Schedule;
import dev.klotski.engine.offload.replay.Trace;
import dev.klotski.engine.offload.replay.TraceEvents;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code klotski profile}: learn a routing profile (expert popularity, co-activation) from a recorded trace, or
 * from a model completing prompts.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "Learn a routing profile from a recorded trace (--trace) or from a model completing prompts (--model): per-layer expert popularity, co-activation of adjacent layers, transitions between consecutive tokens, and past requests' activation matrices. The pin policy and the correlation, markov and eam prefetchers start from it.")
final class ProfileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trace", paramLabel = "DIR", description = "Trace folder: expert_ids.npy and request_offsets.npy.")
    Path trace;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder: its routing of --prompts is learned.")
    Path model;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "With --model: prompts, one per line or JSONL with \"prompt\" (default: a small bundled set).")
    Path prompts;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "N",
            description = "With --model: tokens generated per prompt (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--requests", paramLabel = "FROM:TO", description = "Learn from requests FROM to TO-1 only (0-based; either side may be left out).")
    String requests;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Profile file to write (JSON).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if ((trace == null) == (model == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "give exactly one of --trace DIR (a recorded trace) or --model DIR (a model and prompts)");
        }
        if (model != null) {
            return fromModel();
        }
        Trace t = Trace.read(trace);
        RequestRange range = (requests == null ? RequestRange.ALL : RequestRange.parse(requests)).within(t);
        Schedule schedule = Schedule.of(t, range, 0, 1);
        ProfileLearner learner = new ProfileLearner(t.shape());
        TraceEvents.replay(t, schedule, new TraceEvents.Listener() {
            @Override
            public void routed(RoutingEvent event, int step) {
                learner.observe(event);
            }

            @Override
            public void requestEnded(long requestId) {
                learner.requestEnded(requestId);
            }
        });
        RoutingProfile profile = learner.profile("trace " + trace + " requests " + range);
        profile.write(out);
        spec.commandLine().getOut().printf(Locale.ROOT, "profiled %,d tokens of %d requests (%s) of %s into %s%n",
                schedule.tokens(), schedule.requests(), range, t.shape(), out);
        return 0;
    }

    private int fromModel() throws Exception {
        java.util.List<String> texts = prompts == null ? PromptFile.bundled() : PromptFile.read(prompts);
        dev.klotski.engine.api.SamplingParams greedy = new dev.klotski.engine.api.SamplingParams(newTokens, 0f, 0, 1f,
                0, java.util.List.of(), 0);
        java.util.List<dev.klotski.engine.api.GenerationRequest> requests = texts.stream()
                .map(p -> dev.klotski.engine.api.GenerationRequest.ofText(p, greedy)).toList();
        try (dev.klotski.engine.api.KlotskiEngine engine = dev.klotski.engine.api.KlotskiEngine.open(
                dev.klotski.engine.api.EngineOptions.builder(model).build())) {
            RoutingProfile profile = engine.learnRoutingProfile(requests);
            profile.write(out);
            spec.commandLine().getOut().printf(Locale.ROOT, "profiled %d prompts (%.0f tokens) of %s (%s) into %s%n",
                    requests.size(), profile.tokens(), model, profile.shape(), out);
        }
        return 0;
    }
}
