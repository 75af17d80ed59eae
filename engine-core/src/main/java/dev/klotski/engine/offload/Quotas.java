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
}
