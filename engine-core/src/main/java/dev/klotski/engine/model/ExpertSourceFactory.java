package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.layers.ExpertSource;
import dev.klotski.engine.model.weights.Checkpoint;
import java.util.stream.IntStream;

/**
 * How the loader gets an {@link ExpertSource}: every expert read into memory ({@link #RESIDENT}), or an
 * offloading tier that reads experts when they are needed. Dense weights are the loader's either way.
 */
public interface ExpertSourceFactory {

    /** Bytes of expert weights the source will hold in memory, so the loader can check the heap first. */
    long heldBytes(ExpertCatalog catalog);

    /**
     * Builds the source. The checkpoint is open during the call only; a source that reads later opens the files
     * ({@code StoredWeight.values().file()}) itself and keeps them open for its life.
     */
    ExpertSource create(ExpertCatalog catalog, Checkpoint checkpoint);

    /** Every expert read into memory at load time, in its stored format. */
    ExpertSourceFactory RESIDENT = new ExpertSourceFactory() {
        @Override
        public long heldBytes(ExpertCatalog catalog) {
            return catalog.totalBytes();
        }

        @Override
        public ExpertSource create(ExpertCatalog catalog, Checkpoint checkpoint) {
            StoredExpert[][] stored = catalog.experts();
            ExpertFfn[][] experts = new ExpertFfn[stored.length][];
            for (int l = 0; l < stored.length; l++) {
                StoredExpert[] layer = stored[l];
                if (layer != null) { // experts are most of a model's bytes: read them in parallel
                    experts[l] = IntStream.range(0, layer.length).parallel()
                            .mapToObj(e -> new ExpertFfn(checkpoint.read(layer[e].gate()),
                                    checkpoint.read(layer[e].up()), checkpoint.read(layer[e].down())))
                            .toArray(ExpertFfn[]::new);
                }
            }
            return new ResidentExpertSource(experts);
        }
    };
}
