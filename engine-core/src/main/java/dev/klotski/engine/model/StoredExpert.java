package dev.klotski.engine.model;

import dev.klotski.engine.model.layers.ExpertFfn;
import dev.klotski.engine.model.weights.StoredWeight;

/** One routed expert's three matrices as the checkpoint stores them: gate, up (inter, hidden); down (hidden, inter). */
public record StoredExpert(StoredWeight gate, StoredWeight up, StoredWeight down) {

    /** Bytes the expert holds in memory. */
    public long heldBytes() {
        return gate.heldBytes() + up.heldBytes() + down.heldBytes();
    }

    /** An expert of this shape and format with empty arrays, for a tier to fill. */
    public ExpertFfn allocate() {
        return new ExpertFfn(gate.allocate(), up.allocate(), down.allocate());
    }

    /** The three matrices in the order {@link ExpertFfn} holds them. */
    public StoredWeight[] matrices() {
        return new StoredWeight[] {gate, up, down};
    }
}
