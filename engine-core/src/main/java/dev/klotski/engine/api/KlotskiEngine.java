package dev.klotski.engine.api;

import dev.klotski.engine.generate.Candidate;
import dev.klotski.engine.generate.EngineClosedException;
import dev.klotski.engine.generate.Generator;
import dev.klotski.engine.generate.GroupLimits;
import dev.klotski.engine.generate.Outcome;
import dev.klotski.engine.generate.SamplingSpec;
import dev.klotski.engine.generate.TeacherForcing;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.layers.RoutingEvent;
import dev.klotski.engine.model.layers.RoutingListener;
import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.offload.ProfileLearner;
import dev.klotski.engine.offload.RoutingProfile;
import dev.klotski.engine.offload.RoutingShape;
import dev.klotski.engine.offload.OffloadedExperts;
import dev.klotski.engine.offload.TierReport;
import dev.klotski.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine facade: the only entry point the CLI and the Spark plugin use. One instance holds one loaded
 * model; {@link #generate} (exceptions for bad requests) and {@link #generateEach} (an outcome per request) are
 * the batch API, safe to call from several threads: every call joins the engine's one running group (its loop
 * thread advances the sequences of all calls together, so concurrent calls share expert loads; waiting
 * sequences are admitted in arrival order as others finish), and a waiting or running call stops when its
 * thread is interrupted or its {@link Cancellation} is requested.
 */
public final class KlotskiEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KlotskiEngine.class);

    private final EngineOptions options;
    private final LoadedModel loaded;
    private final MoeModel model;
    private final Tokenizer tokenizer;
    private final Kernels kernels;
    private final Generator generator;
    private final TeacherForcing teacherForcing;
    private final PromptPreparer preparer;
    private final EngineCounters counters = new EngineCounters();
    private volatile boolean closed;
    private boolean released; // guarded by this

    private KlotskiEngine(EngineOptions options, LoadedModel loaded, Kernels kernels) {
        this.options = options;
        this.loaded = loaded;
        this.model = loaded.model();
        this.tokenizer = loaded.tokenizer();
        this.kernels = kernels;
        int[] eosIds = IntStream.concat(Arrays.stream(model.config().eosTokenIds()), Arrays.stream(tokenizer.eosIds()))
                .distinct().toArray();
        GroupOptions group = options.group();
        this.generator = new Generator(model, kernels, tokenizer::decode,
                new GroupLimits(group.sequences(), group.passTokens(), group.batchSize()), eosIds);
        this.teacherForcing = new TeacherForcing(model, kernels, group.passTokens());
        this.preparer = new PromptPreparer(tokenizer, model.config().contextLength(), model.config().vocabSize());
    }

    /**
     * Whether this build can run on a device: "cpu" always; "cuda:N" once the CUDA backend lands. Lets a host
     * (the Spark executor plugin) choose a device without trial and error.
     */
    public static boolean supportsDevice(String device) {
        return "cpu".equals(device);
    }

    static void checkDevice(EngineOptions options) {
        Objects.requireNonNull(options, "options");
        if (!supportsDevice(options.device())) {
            throw new IllegalArgumentException("device '" + options.device()
                    + "' is not supported yet: this build runs on the CPU (device \"cpu\")");
        }
    }

    /**
     * Loads the model folder named by the options, for this engine alone ({@link SharedModels} opens engines that
     * share one). Fails with a message naming the bad file or tensor.
     */
    public static KlotskiEngine open(EngineOptions options) {
        checkDevice(options);
        long start = System.nanoTime();
        LoadedModel model = LoadedModel.load(options);
        try {
            KlotskiEngine engine = on(model, options);
            ModelConfig config = model.config();
            LOG.info("loaded {} ({} layers, {} experts top-{}, hidden {}) from {} in {} ms; kernels {}, {} threads{}",
                    config.architecture(), config.layers(), config.experts(), config.expertsPerToken(),
                    config.hiddenSize(), options.modelDir(), (System.nanoTime() - start) / 1_000_000,
                    engine.kernelsName(), options.threads(), describeOffload(model.model()));
            return engine;
        } catch (RuntimeException | Error e) {
            model.release();
            throw e;
        }
    }

    /** An engine on a loaded model, holding it (the caller's hold passes to the engine) until it closes. */
    static KlotskiEngine on(LoadedModel model, EngineOptions options) {
        Kernels kernels = CpuKernelsFactory.create(options.batchInvariant(), model.threads(options.threads()));
        try {
            return new KlotskiEngine(options, model, kernels);
        } catch (RuntimeException | Error e) {
            kernels.close();
            throw e;
        }
    }

    private static String describeOffload(MoeModel model) {
        if (!(model.experts() instanceof OffloadedExperts off)) {
            return "";
        }
        TierReport r = off.report();
        return "; experts offloaded: " + r.capacityBytes() / r.slotBytes() + " slots of "
                + OffloadFactory.human(r.slotBytes()) + " (" + OffloadFactory.human(r.capacityBytes()) + "), policy "
                + off.policyName() + ", prefetch " + off.prefetcherName();
    }

    /**
     * Completes every request of the batch together (ragged prefill, then batched decode) and returns one
     * result per request, in request order. The first request that cannot be prepared fails the whole call;
     * {@link #generateEach} reports such problems per request instead.
     *
     * @throws PromptTooLongException        when a request with overflow FAIL does not fit
     * @throws IllegalArgumentException      when a prompt cannot be tokenized (naming the request)
     * @throws GenerationCancelledException  when the calling thread is interrupted
     * @throws IllegalStateException         when the engine is closed
     */
    public List<GenerationResult> generate(List<GenerationRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        List<Prepared> prepared = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            try {
                prepared.add(prepare(requests.get(i)));
            } catch (RejectedRequest e) {
                throw e.forRequest(i);
            }
        }
        return call(() -> {
            long start = System.nanoTime();
            List<GenerationResult> results = run(prepared, Cancellation.NONE);
            counters.record(results, System.nanoTime() - start); // an empty batch is a call too
            return results;
        });
    }

    /** As {@link #generateEach(List, Cancellation)}, stopped only by interrupting the calling thread. */
    public List<RequestOutcome> generateEach(List<GenerationRequest> requests) {
        return generateEach(requests, Cancellation.NONE);
    }

    /**
     * Completes the batch like {@link #generate}, but reports each request's problem in its own outcome: a
     * prompt that does not fit or cannot be tokenized, or a request whose generation fails, is a {@link
     * RequestOutcome.Failed}, and every other request is generated as usual. The call as a whole still ends
     * early when it is cancelled or interrupted, and on Errors such as running out of memory.
     *
     * @param cancel checked while the call waits for the engine and before every forward pass
     * @throws GenerationCancelledException when cancelled or interrupted; the engine is free again
     * @throws IllegalStateException        when the engine is closed
     */
    public List<RequestOutcome> generateEach(List<GenerationRequest> requests, Cancellation cancel) {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(cancel, "cancel");
        RequestOutcome[] outcomes = new RequestOutcome[requests.size()];
        List<Integer> ready = new ArrayList<>(requests.size());
        List<Prepared> prepared = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            try {
                prepared.add(prepare(requests.get(i)));
                ready.add(i);
            } catch (RejectedRequest e) {
                outcomes[i] = e.outcome();
            }
        }
        List<RequestOutcome> generated = call(() -> {
            long start = System.nanoTime();
            List<RequestOutcome> out = FaultIsolation.run(prepared,
                    batch -> run(batch, cancel).stream().<RequestOutcome>map(RequestOutcome.Generated::new).toList(),
                    (request, e) -> engineError(e));
            counters.record(completed(out), System.nanoTime() - start);
            return out;
        });
        for (int k = 0; k < ready.size(); k++) {
            outcomes[ready.get(k)] = generated.get(k);
        }
        return List.of(outcomes);
    }

    /** A request's prompt ids and sampling spec, ready for the generator. */
    private record Prepared(int[] promptIds, SamplingSpec spec) {
    }

    private Prepared prepare(GenerationRequest request) {
        return new Prepared(preparer.prepare(request), spec(request.params()));
    }

    /** One generator call: the batch joins the loop's group and this returns when its last sequence is done. */
    private List<GenerationResult> run(List<Prepared> batch, Cancellation cancel) {
        if (batch.isEmpty()) {
            return List.of();
        }
        return generator.generate(batch.stream().map(Prepared::promptIds).toList(),
                        batch.stream().map(Prepared::spec).toList(), cancel::requested)
                .stream().map(KlotskiEngine::result).toList();
    }

    private static List<GenerationResult> completed(List<RequestOutcome> outcomes) {
        return outcomes.stream().filter(o -> o instanceof RequestOutcome.Generated)
                .map(o -> ((RequestOutcome.Generated) o).result()).toList();
    }

    private static RequestOutcome engineError(RuntimeException e) {
        LOG.warn("a request failed in the engine; its batch-mates were generated without it", e);
        return new RequestOutcome.Failed(RequestOutcome.Failure.ENGINE_ERROR, "generation failed: " + e);
    }

    /**
     * Runs {@code work} (which hands its batch to the generator's loop, where it joins the running group) and
     * turns a cancellation into the API's exception. Refuses a closed engine.
     */
    private <T> T call(Supplier<T> work) {
        requireOpen();
        long start = System.nanoTime();
        try {
            return work.get();
        } catch (GenerationCancelledException e) {
            throw e;
        } catch (CancellationException e) {
            throw new GenerationCancelledException(e.getMessage() + " after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms; no output was kept and the engine is "
                    + "free for the next call");
        } catch (EngineClosedException e) { // close began meanwhile
            throw new IllegalStateException(CLOSED + " (" + e.getMessage() + ")", e);
        }
    }

    private static final String CLOSED = "this engine is closed (KlotskiEngine.close was called); open a new one "
            + "with KlotskiEngine.open";

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(CLOSED);
        }
    }

    /**
     * Feeds {@code ids} as given (teacher forcing: no sampling, no BOS added) and returns the logits of every
     * position, (ids.length, vocab) row-major: row i is the model's distribution for token i + 1. Used to score
     * one model against another on the same text (klotski compare).
     */
    public float[] teacherForcedLogits(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        int vocab = model.config().vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary [0, "
                        + vocab + ")");
            }
        }
        return call(() -> generator.exclusive(() -> teacherForcing.logits(ids)));
    }

    /** The generator's view of a request's sampling parameters. */
    static SamplingSpec spec(SamplingParams p) {
        return new SamplingSpec(p.maxNewTokens(), p.temperature(), p.topK(), p.topP(), p.seed(), p.stopStrings(),
                p.topLogprobs());
    }

    /** A generator outcome as the public result. */
    static GenerationResult result(Outcome o) {
        FinishReason finish = switch (o.stop()) {
            case EOS -> FinishReason.EOS;
            case STOP_STRING -> FinishReason.STOP_STRING;
            case LENGTH -> FinishReason.LENGTH;
        };
        List<List<TokenLogprob>> top = o.topLogprobs().stream()
                .map(position -> position.stream().map(KlotskiEngine::logprob).toList())
                .toList();
        return new GenerationResult(o.promptIds(), o.outputIds(), o.text(), finish, top,
                new GenerationStats(o.promptIds().length, o.outputIds().length, o.prefillNanos(), o.decodeNanos(),
                        o.batchSize(), o.experts().lookups(), o.experts().hits(),
                        o.experts().demandLoads() + o.experts().prefetchLoads(), o.experts().bytesRead(),
                        o.experts().stallNanos()));
    }

    private static TokenLogprob logprob(Candidate c) {
        return new TokenLogprob(c.id(), c.logprob());
    }

    /** The model's tokenizer (thread-safe). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Runs the requests and learns from their routing a profile that {@code klotski profile} writes: expert
     * popularity, adjacent-layer co-activation counts and past requests' activation matrices, for the
     * correlation, markov and eam prefetchers and the pin policy. This is the routing of these requests unless
     * other calls run on the engine meanwhile (they share its passes).
     */
    public RoutingProfile learnRoutingProfile(List<GenerationRequest> requests) {
        ModelConfig c = model.config();
        ProfileLearner learner = new ProfileLearner(new RoutingShape(c.layers(), c.experts(), c.expertsPerToken()));
        RoutingListener listener = new RoutingListener() {
            @Override
            public void routed(RoutingEvent event) {
                learner.observe(event);
            }

            @Override
            public void requestEnded(long requestId) {
                learner.requestEnded(requestId);
            }
        };
        model.experts().addListener(listener);
        try {
            generate(requests);
        } finally {
            model.experts().removeListener(listener);
        }
        return learner.profile("model " + options.modelDir().toAbsolutePath().normalize() + ", " + requests.size()
                + " requests");
    }

    /** The loaded model's configuration. */
    public ModelConfig modelConfig() {
        return model.config();
    }

    /** Tokens the model can attend to: prompt plus generated tokens must fit. */
    public int contextLength() {
        return model.config().contextLength();
    }

    /** Name of the compute kernels in use, e.g. "openblas" or "fixed-order". */
    public String kernelsName() {
        return kernels.name();
    }

    /** Bytes of weights really held, all formats together. */
    public long weightBytes() {
        return model.weightBytes().total();
    }

    /** Bytes of weights really held per format ("bf16", "int8", ...). */
    public java.util.Map<String, Long> weightBytesByFormat() {
        return model.weightBytes().byFormat();
    }

    /** The offloaded experts' tier figures since the engine opened, or empty when every expert is resident. */
    public java.util.Optional<ExpertTierReport> expertTier() {
        if (!(model.experts() instanceof OffloadedExperts off)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(ExpertTierReport.of(off.report(), off.policyName(), off.prefetcherName()));
    }

    public EngineOptions options() {
        return options;
    }

    /** The loop's passes, their time and expert figures since the engine opened, with the group shape. */
    public PipelineMetrics pipelineMetrics() {
        dev.klotski.engine.generate.LoopFigures f = generator.figures();
        GroupOptions g = options.group();
        return new PipelineMetrics(g.batches(), g.batchSize(), g.passTokens(), f.largestGroup(), f);
    }

    /** Counters since the engine was opened (generate calls, rows per call, tokens, expert hits). */
    public EngineMetrics metrics() {
        return counters.snapshot(model.weightBytes().total());
    }

    /**
     * Lets the calls that have started finish, then frees the model; every call not yet started (waiting or
     * later) is refused with an IllegalStateException. Safe to call more than once, from any thread.
     */
    @Override
    public synchronized void close() {
        closed = true; // first, so that new calls are refused instead of run
        generator.close(); // lets the started calls finish, refuses the waiting ones
        if (!released) {
            released = true;
            kernels.close();
            loaded.release(); // the last engine on the model frees it (and writes its trace)
        }
    }
}
