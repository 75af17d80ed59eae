package dev.klotski.engine.offload;

/** Ways of sharing a cache's slots among layers. */
public final class Quotas {
    private Quotas() {
    }

    /** Equal shares (at most {@code experts} each), the remainder to the earliest layers. */
    public static int[] equal(int totalSlots, boolean[] moeLayers, int experts) {
        int[] quotas = new int[moeLayers.length];
        int moe = 0;
        for (boolean m : moeLayers) {
            moe += m ? 1 : 0;
        }
        if (moe == 0) {
            return quotas;
        }
        int each = Math.min(experts, totalSlots / moe);
        int extra = totalSlots - each * moe;
        for (int l = 0; l < moeLayers.length; l++) {
            if (moeLayers[l]) {
                quotas[l] = each;
                if (extra > 0 && each < experts) {
                    quotas[l]++;
                    extra--;
                }
            }
        }
        return quotas;
    }

    /**
     * Fate's split: the first {@code maxFull} MoE layers hold every expert, as many of them as leave each other MoE
     * layer at least {@code minPerLayer} slots; the other layers share the rest {@link #equal equally}.
     */
    public static int[] shallow(int totalSlots, boolean[] moeLayers, int experts, int minPerLayer, int maxFull) {
        int moe = 0;
        for (boolean m : moeLayers) {
            moe += m ? 1 : 0;
        }
        int full = Math.min(maxFull, moe);
        while (full > 0 && totalSlots - full * experts < (moe - full) * minPerLayer) {
            full--;
        }
        boolean[] rest = moeLayers.clone();
        int[] quotas = new int[moeLayers.length];
        for (int l = 0, seen = 0; l < moeLayers.length && seen < full; l++) {
            if (moeLayers[l]) {
                quotas[l] = experts;
                rest[l] = false;
                seen++;
            }
        }
        int[] others = equal(totalSlots - full * experts, rest, experts);
        for (int l = 0; l < quotas.length; l++) {
            quotas[l] += others[l];
        }
        return quotas;
    }
}
