package dev.klotski.engine.plan;

import dev.klotski.engine.model.ExpertCatalog;
import dev.klotski.engine.model.ExpertSourceFactory;
import dev.klotski.engine.model.StoredExpert;
import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.weights.Checkpoint;
import dev.klotski.engine.tensor.WeightFormat;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads a model for probing without holding its experts: one real expert per stored format is read, and every
 * routed expert of that format is served by it ({@link TimedExpertSource}). Every expert of a format has the same
 * shape, so each costs what the real one would; the outputs are meaningless and only times are kept. A model
 * far larger than memory can be probed this way. Remembers the catalog, for the disk and copy probes.
 */
final class ProbeExperts implements ExpertSourceFactory {
    private ExpertCatalog catalog;
    private final Map<WeightFormat, StoredExpert> stored = new LinkedHashMap<>(); // the expert read per format
    private final Map<WeightFormat, ExpertFfn> weights = new LinkedHashMap<>();   // its weights, serving them all
    private TimedExpertSource source;

    @Override
    public long heldBytes(ExpertCatalog catalog) {
        return firstOfEachFormat(catalog).values().stream().mapToLong(StoredExpert::heldBytes).sum();
    }

    @Override
    public ExpertSource create(ExpertCatalog catalog, Checkpoint checkpoint) {
        this.catalog = catalog;
        stored.putAll(firstOfEachFormat(catalog));
        catalog.all().flatMap(e -> Arrays.stream(e.matrices())).forEach(checkpoint::claim); // not read: served by one
        stored.forEach((f, e) -> weights.put(f, new ExpertFfn(checkpoint.read(e.gate()), checkpoint.read(e.up()),
                checkpoint.read(e.down()))));
        StoredExpert[][] experts = catalog.experts();
        ExpertFfn[][] served = new ExpertFfn[experts.length][];
        for (int l = 0; l < experts.length; l++) {
            if (experts[l] != null) {
                served[l] = Arrays.stream(experts[l]).map(e -> weights.get(e.gate().format()))
                        .toArray(ExpertFfn[]::new);
            }
        }
        source = new TimedExpertSource(served);
        return source;
    }

    private static Map<WeightFormat, StoredExpert> firstOfEachFormat(ExpertCatalog catalog) {
        Map<WeightFormat, StoredExpert> out = new LinkedHashMap<>();
        catalog.all().forEach(e -> out.putIfAbsent(e.gate().format(), e));
        return out;
    }

    ExpertCatalog catalog() {
        return catalog;
    }

    /** The expert read for each stored format (the one every expert of that format is served by). */
    Map<WeightFormat, StoredExpert> stored() {
        return stored;
    }

    /** The weights every expert of each format is served by. */
    Map<WeightFormat, ExpertFfn> weights() {
        return weights;
    }

    TimedExpertSource source() {
        return source;
    }
}
