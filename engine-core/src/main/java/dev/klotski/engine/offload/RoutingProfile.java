package dev.klotski.engine.offload;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What routing looked like on some workload, learned by {@code klotski profile} ({@link ProfileLearner}): the
 * counts of {@link RoutingCounts} and a bounded set of past requests' activation matrices, with the model shape
 * they belong to. Policies (pin) and prefetchers (correlation, markov, eam) start from it.
 *
 * <p>Stored as JSON: {@code klotski_routing_profile} (format version), {@code layers}, {@code experts},
 * {@code top_k}, {@code tokens}, {@code requests}, {@code source}, {@code popularity} (layer, expert),
 * {@code coactivation} and {@code transitions} (layer, from, to), {@code activation_matrices} (n, layer, expert).
 */
public final class RoutingProfile {
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RoutingCounts counts;
    private final List<float[][]> activationMatrices; // each (layer, expert) tokens of one past request
    private final long requests;
    private final String source;
    private final Path file;                          // where it was read from, or null

    RoutingProfile(RoutingCounts counts, List<float[][]> activationMatrices, long requests, String source, Path file) {
        this.counts = counts;
        this.activationMatrices = List.copyOf(activationMatrices);
        this.requests = requests;
        this.source = source;
        this.file = file;
    }

    public RoutingShape shape() {
        return counts.shape();
    }

    /** The counts; copy before counting more ({@link RoutingCounts#copy}). */
    public RoutingCounts counts() {
        return counts;
    }

    public List<float[][]> activationMatrices() {
        return activationMatrices;
    }

    public long requests() {
        return requests;
    }

    public double tokens() {
        return counts.tokens(0);
    }

    public String source() {
        return source;
    }

    /** The profile's name in messages: its file, or "the routing profile". */
    public String name() {
        return file == null ? "the routing profile" : "routing profile " + file;
    }

    /** Refuses a profile learned on a model of another shape, naming the file. */
    public RoutingProfile requireShape(RoutingShape model) {
        if (!shape().equals(model)) {
            throw new RoutingProfileException(name() + " was learned on a model with " + shape()
                    + "; this one has " + model);
        }
        return this;
    }

    public void write(Path out) throws IOException {
        RoutingShape s = shape();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out.toFile(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("klotski_routing_profile", FORMAT);
            g.writeNumberField("layers", s.layers());
            g.writeNumberField("experts", s.experts());
            g.writeNumberField("top_k", s.topK());
            g.writeNumberField("tokens", (long) tokens());
            g.writeNumberField("requests", requests);
            g.writeStringField("source", source);
            g.writeFieldName("popularity");
            writeMatrix(g, counts.popularity);
            g.writeFieldName("coactivation");
            writeCube(g, counts.coactivation);
            g.writeFieldName("transitions");
            writeCube(g, counts.transitions);
            g.writeArrayFieldStart("activation_matrices");
            for (float[][] m : activationMatrices) {
                g.writeStartArray();
                for (float[] row : m) {
                    g.writeStartArray();
                    for (float v : row) {
                        g.writeNumber((long) v); // token counts
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void writeCube(JsonGenerator g, double[][][] cube) throws IOException {
        g.writeStartArray();
        for (double[][] m : cube) {
            writeMatrix(g, m);
        }
        g.writeEndArray();
    }

    private static void writeMatrix(JsonGenerator g, double[][] m) throws IOException {
        g.writeStartArray();
        for (double[] row : m) {
            g.writeStartArray();
            for (double v : row) {
                g.writeNumber(Math.round(v)); // counts of a profile are whole
            }
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    /** Reads a profile file; any problem is a {@link RoutingProfileException} naming the file. */
    public static RoutingProfile read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new RoutingProfileException("cannot read routing profile " + file + ": " + e.getMessage(), e);
        }
        Reader r = new Reader(file);
        if (root == null || !root.isObject() || !root.has("klotski_routing_profile")) {
            throw r.bad("is not a Klotski routing profile (no \"klotski_routing_profile\" field)");
        }
        int format = r.integer(root, "klotski_routing_profile");
        if (format != FORMAT) {
            throw r.bad("has format version " + format + "; this Klotski reads version " + FORMAT);
        }
        RoutingShape shape;
        try {
            shape = new RoutingShape(r.integer(root, "layers"), r.integer(root, "experts"), r.integer(root, "top_k"));
        } catch (IllegalArgumentException e) {
            throw r.bad(e.getMessage());
        }
        RoutingCounts c = new RoutingCounts(shape);
        r.matrix(root, "popularity", c.popularity, shape.experts());
        r.cube(root, "coactivation", c.coactivation, shape.experts());
        r.cube(root, "transitions", c.transitions, shape.experts());
        for (int l = 0; l < shape.layers(); l++) {
            for (int e = 0; e < shape.experts(); e++) {
                c.chosen[l] += c.popularity[l][e];
                for (int t = 0; t < shape.experts(); t++) {
                    c.coactivationRows[l][e] += c.coactivation[l][e][t];
                    c.transitionRows[l][e] += c.transitions[l][e][t];
                }
            }
        }
        List<float[][]> eams = new ArrayList<>();
        JsonNode list = root.path("activation_matrices");
        for (int i = 0; i < list.size(); i++) {
            double[][] m = new double[shape.layers()][shape.experts()];
            r.matrixNode(list.get(i), "activation_matrices[" + i + "]", m, shape.experts());
            float[][] f = new float[shape.layers()][shape.experts()];
            for (int l = 0; l < shape.layers(); l++) {
                for (int e = 0; e < shape.experts(); e++) {
                    f[l][e] = (float) m[l][e];
                }
            }
            eams.add(f);
        }
        return new RoutingProfile(c, eams, root.path("requests").asLong(), root.path("source").asText(""), file);
    }

    /** Field checks that name the file and the field. */
    private record Reader(Path file) {
        RoutingProfileException bad(String what) {
            return new RoutingProfileException("routing profile " + file + " " + what);
        }

        int integer(JsonNode root, String field) {
            JsonNode n = root.get(field);
            if (n == null || !n.canConvertToInt()) {
                throw bad("has no integer \"" + field + "\"");
            }
            return n.asInt();
        }

        void cube(JsonNode root, String field, double[][][] into, int width) {
            JsonNode n = root.get(field);
            if (n == null || !n.isArray() || n.size() != into.length) {
                throw bad("field \"" + field + "\" must be an array of " + into.length + " layers");
            }
            for (int l = 0; l < into.length; l++) {
                matrixNode(n.get(l), field + "[" + l + "]", into[l], width);
            }
        }

        void matrix(JsonNode root, String field, double[][] into, int width) {
            matrixNode(root.get(field), field, into, width);
        }

        void matrixNode(JsonNode n, String field, double[][] into, int width) {
            if (n == null || !n.isArray() || n.size() != into.length) {
                throw bad("field \"" + field + "\" must be an array of " + into.length + " rows");
            }
            for (int i = 0; i < into.length; i++) {
                JsonNode row = n.get(i);
                if (!row.isArray() || row.size() != width) {
                    throw bad("field \"" + field + "\" row " + i + " must hold " + width + " counts");
                }
                for (int j = 0; j < width; j++) {
                    JsonNode v = row.get(j);
                    if (!v.isNumber() || v.asDouble() < 0) {
                        throw bad("field \"" + field + "\" row " + i + " has a value that is not a count: " + v);
                    }
                    into[i][j] = v.asDouble();
                }
            }
        }
    }
}
