package dev.klotski.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klotski.engine.api.EngineOptions;
import dev.klotski.engine.api.GenerationRequest;
import dev.klotski.engine.api.GenerationResult;
import dev.klotski.engine.api.KlotskiEngine;
import dev.klotski.engine.api.OverflowPolicy;
import dev.klotski.engine.api.PlannedGroup;
import dev.klotski.engine.api.PromptTooLongException;
import dev.klotski.engine.api.RequestOutcome;
import dev.klotski.engine.api.RowSeed;
import dev.klotski.engine.api.SamplingParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code klotski batch}: complete every prompt of a JSONL file, {@code --batch-size} prompts per engine call,
 * writing one JSON line per input line in input order. Each row is seeded like Spark's moe_generate (from
 * --seed and the prompt's bytes), so both give the same rows for the same prompts and options.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "Complete every prompt of a JSONL file ({\"prompt\": ..., \"id\": ...} per line) in batches.")
final class BatchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Mixin
    EngineArgs engine;

    @Mixin
    SamplingArgs sampling;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL prompts: a \"prompt\" string (or null) and an optional \"id\" per line.")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write the JSONL results (default: standard output).")
    Path output;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Prompts per engine call (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    ChatArgs chat;

    @Option(names = "--on-overflow", defaultValue = "error", paramLabel = "error|truncate",
            description = "A prompt too long for the context: fail naming its line (default), or keep its end.")
    String onOverflow;

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "fail|null",
            description = "A row that cannot be generated (too long, untokenizable, an engine error): fail naming its "
                    + "line (default), or write it with a null text and its reason in \"error\".")
    String onError;

    /** One input line. */
    private record Row(int line, JsonNode id, String prompt) {
    }

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        OverflowPolicy overflow = switch (onOverflow) {
            case "error" -> OverflowPolicy.FAIL;
            case "truncate" -> OverflowPolicy.TRUNCATE;
            default -> throw new IllegalArgumentException("--on-overflow must be error or truncate, got " + onOverflow);
        };
        if (!onError.equals("fail") && !onError.equals("null")) {
            throw new IllegalArgumentException("--on-error must be fail or null, got " + onError);
        }
        SamplingParams base = sampling.toParams();
        try (BufferedReader in = open(input);
             Writer out = output == null ? keepOpen(spec.commandLine().getOut()) : Files.newBufferedWriter(output)) {
            Batches batches = new Batches(in);
            List<Row> first = batches.next();
            // The first batch, read before the engine opens, is the planner's guess of the job.
            EngineOptions options = engine.plannedOptions(PlannedGroup.Hint.fromPrompts(batchSize,
                    first.stream().map(Row::prompt).toList(), base.maxNewTokens()), spec.commandLine().getErr());
            try (KlotskiEngine klotski = KlotskiEngine.open(options)) {
                for (List<Row> batch = first; !batch.isEmpty(); batch = batches.next()) {
                    write(klotski, batch, base, overflow, out);
                }
            }
        }
        return 0;
    }

    /** The input's rows, batch-size non-blank lines at a time (an empty list at the end). */
    private final class Batches {
        private final BufferedReader in;
        private int line;

        Batches(BufferedReader in) {
            this.in = in;
        }

        List<Row> next() throws IOException {
            List<Row> batch = new ArrayList<>(batchSize);
            while (batch.size() < batchSize) {
                String text = in.readLine();
                if (text == null) {
                    break;
                }
                line++;
                if (!text.isBlank()) {
                    batch.add(parse(line, text));
                }
            }
            return batch;
        }
    }

    private void write(KlotskiEngine klotski, List<Row> rows, SamplingParams base, OverflowPolicy overflow,
                       Writer out) throws IOException {
        List<GenerationRequest> requests = new ArrayList<>();
        List<Row> asked = new ArrayList<>();
        for (Row r : rows) {
            if (r.prompt() != null && !r.prompt().isEmpty()) { // null -> null, empty -> "": the engine is not asked
                long seed = RowSeed.of(base.seed(), r.prompt().getBytes(StandardCharsets.UTF_8), null);
                requests.add(chat.apply(GenerationRequest.ofText(r.prompt(), base.withSeed(seed)))
                        .withOverflow(overflow));
                asked.add(r);
            }
        }
        List<RequestOutcome> results;
        try {
            results = requests.isEmpty() ? List.of() : onError.equals("null") ? klotski.generateEach(requests)
                    : klotski.generate(requests).stream().<RequestOutcome>map(RequestOutcome.Generated::new).toList();
        } catch (PromptTooLongException e) {
            throw new IllegalArgumentException(input + " line " + asked.get(e.requestIndex()).line() + ": "
                    + e.getMessage() + " (--on-error null writes such rows with a null text)", e);
        }
        int next = 0;
        for (Row r : rows) {
            ObjectNode o = JSON.createObjectNode();
            o.set("id", r.id());
            if (r.prompt() == null) {
                o.putNull("text");
            } else if (r.prompt().isEmpty()) {
                o.put("text", "");
            } else if (results.get(next) instanceof RequestOutcome.Failed f) {
                next++;
                o.putNull("text");
                o.put("error", f.failure().label() + ": " + f.message());
            } else {
                GenerationResult g = ((RequestOutcome.Generated) results.get(next++)).result();
                o.put("text", g.text());
                o.put("prompt_tokens", g.promptIds().length);
                o.put("generated_tokens", g.outputIds().length);
                o.put("finish_reason", g.finishReason().label());
            }
            out.write(JSON.writeValueAsString(o));
            out.write('\n');
        }
        out.flush();
    }

    private Row parse(int line, String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(input + " line " + line + " is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !node.has("prompt")) {
            throw new IllegalArgumentException(input + " line " + line
                    + ": expected a JSON object with a \"prompt\" field, e.g. {\"id\": 1, \"prompt\": \"Hello\"}");
        }
        JsonNode prompt = node.get("prompt");
        if (!prompt.isNull() && !prompt.isTextual()) {
            throw new IllegalArgumentException(input + " line " + line + ": \"prompt\" must be a string or null");
        }
        return new Row(line, node.has("id") ? node.get("id") : JSON.getNodeFactory().numberNode(line),
                prompt.isNull() ? null : prompt.asText());
    }

    /** Standard output is the caller's: flushed by us, never closed. */
    private static Writer keepOpen(PrintWriter stdout) {
        return new java.io.FilterWriter(stdout) {
            @Override
            public void close() {
                stdout.flush();
            }
        };
    }

    private static BufferedReader open(Path file) throws IOException {
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("input file not found: " + file);
        }
    }
}
