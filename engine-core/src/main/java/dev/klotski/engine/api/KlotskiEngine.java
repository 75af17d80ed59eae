package dev.klotski.engine.api;

import dev.klotski.engine.generate.Candidate;
import dev.klotski.engine.generate.Generator;
import dev.klotski.engine.generate.Outcome;
import dev.klotski.engine.generate.SamplingSpec;
import dev.klotski.engine.generate.TeacherForcing;
import dev.klotski.engine.kernel.Kernels;
import dev.klotski.engine.kernel.cpu.CpuKernelsFactory;
import dev.klotski.engine.model.ModelConfig;
import dev.klotski.engine.model.ExpertSourceFactory;
import dev.klotski.engine.model.ModelLoader;
import dev.klotski.engine.model.MoeModel;
import dev.klotski.engine.model.weights.CheckpointException;
import dev.klotski.engine.offload.OffloadFactory;
import dev.klotski.engine.offload.OffloadOptions;
import dev.klotski.engine.offload.OffloadedExperts;
import dev.klotski.engine.offload.TierReport;
import dev.klotski.engine.tokenizer.HfTokenizer;
import dev.klotski.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine facade: the only entry point the CLI and the Spark plugin use. One instance holds one loaded
 * model; {@link #generate} is the one batch API and is safe to call from several threads (calls are served
 * one batch at a time, in arrival order).
 */
public final class KlotskiEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KlotskiEngine.class);
    /** Most tokens in one forward pass; bounds prefill activations to a few hundred MB for large models. */
    private static final int MAX_BATCH_TOKENS = 2048;

    private final EngineOptions options;
    private final MoeModel model;
    private final Tokenizer tokenizer;
    private final Kernels kernels;
    private final Generator generator;
    private final TeacherForcing teacherForcing;
    private final PromptPreparer preparer;
    private final EngineCounters counters = new EngineCounters();
    private final ReentrantLock lock = new ReentrantLock(true); // fair: callers are served in arrival order

    private KlotskiEngine(EngineOptions options, MoeModel model, Tokenizer tokenizer, Kernels kernels) {
        this.options = options;
        this.model = model;
        this.tokenizer = tokenizer;
        this.kernels = kernels;
        int[] eosIds = IntStream.concat(Arrays.stream(model.config().eosTokenIds()), Arrays.stream(tokenizer.eosIds()))
                .distinct().toArray();
        this.generator = new Generator(model, kernels, tokenizer::decode, MAX_BATCH_TOKENS, eosIds);
        this.teacherForcing = new TeacherForcing(model, kernels, MAX_BATCH_TOKENS);
        this.preparer = new PromptPreparer(tokenizer, model.config().contextLength(), model.config().vocabSize());
    }

    /**
     * Whether this build can run on a device: "cpu" always; "cuda:N" once the CUDA backend lands. Lets a host
     * (the Spark executor plugin) choose a device without trial and error.
     */
    public static boolean supportsDevice(String device) {
        return "cpu".equals(device);
    }

    /** Loads the model folder named by the options. Fails with a message naming the bad file or tensor. */
    public static KlotskiEngine open(EngineOptions options) {
        Objects.requireNonNull(options, "options");
        if (!supportsDevice(options.device())) {
            throw new IllegalArgumentException("device '" + options.device()
                    + "' is not supported yet: this build runs on the CPU (device \"cpu\")");
        }
        Path dir = options.modelDir();
        if (!Files.isDirectory(dir)) {
            // Checked first: otherwise the tokenizer, loaded before the weights, reports a missing tokenizer.json.
            throw new CheckpointException("model folder not found: " + dir.toAbsolutePath()
                    + (Files.exists(dir) ? " is a file, not a folder" : "")
                    + " — check --model points at a HuggingFace model folder (config.json, safetensors, tokenizer.json)");
        }
        long start = System.nanoTime();
        ModelConfig config = ModelConfig.load(dir); // fail on a bad config.json before anything heavier
        ModelLoader.architecture(config); // an unsupported architecture fails here too
        Tokenizer tokenizer = HfTokenizer.load(dir);
        MoeModel model;
        try {
            OffloadOptions offload = options.offload();
            model = ModelLoader.load(dir, config, offload == null ? ExpertSourceFactory.RESIDENT
                    : new OffloadFactory(offload));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        Kernels kernels = CpuKernelsFactory.create(options.batchInvariant(), options.threads());
        LOG.info("loaded {} ({} layers, {} experts top-{}, hidden {}) from {} in {} ms; kernels {}, {} threads{}",
                config.architecture(), config.layers(), config.experts(), config.expertsPerToken(),
                config.hiddenSize(), dir,
                (System.nanoTime() - start) / 1_000_000, kernels.name(), options.threads(), describeOffload(model));
        return new KlotskiEngine(options, model, tokenizer, kernels);
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
     * result per request, in request order.
     *
     * @throws PromptTooLongException when a request with overflow FAIL does not fit
     */
    public List<GenerationResult> generate(List<GenerationRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        List<int[]> prompts = new ArrayList<>(requests.size());
        List<SamplingSpec> specs = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            prompts.add(preparer.prepare(i, requests.get(i)));
            specs.add(spec(requests.get(i).params()));
        }
        lock.lock();
        try {
            long start = System.nanoTime();
            List<GenerationResult> results = requests.isEmpty() ? List.of() : generator.generate(prompts, specs)
                    .stream().map(KlotskiEngine::result).toList();
            counters.record(results, System.nanoTime() - start);
            return results;
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            return teacherForcing.logits(ids);
        } finally {
            lock.unlock();
        }
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

    /** Counters since the engine was opened (generate calls, rows per call, tokens, expert hits). */
    public EngineMetrics metrics() {
        return counters.snapshot(model.weightBytes().total());
    }

    @Override
    public void close() {
        lock.lock();
        try {
            kernels.close();
            model.close();
            tokenizer.close();
        } finally {
            lock.unlock();
        }
    }
}
