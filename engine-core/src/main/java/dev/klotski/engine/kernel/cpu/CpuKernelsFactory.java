package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the fastest CPU kernels that meet the requested guarantees. */
public final class CpuKernelsFactory {
    private static final Logger LOG = LoggerFactory.getLogger(CpuKernelsFactory.class);

    private CpuKernelsFactory() {
    }

    /**
     * OpenBLAS when it is installed and batch invariance is not asked for; the fixed-order Java kernels
     * otherwise (with one log line saying why, since they are several times slower).
     */
    public static Kernels create(boolean batchInvariant, int threads) {
        if (batchInvariant) {
            return new FixedOrderKernels(threads);
        }
        BLAS nativeBlas = loadNativeBlas();
        if (nativeBlas != null) {
            return new BlasKernels(nativeBlas, threads);
        }
        LOG.warn("native BLAS not found (install OpenBLAS, e.g. Debian's libopenblas0); "
                + "using the slower fixed-order Java kernels");
        return new FixedOrderKernels(threads);
    }

    /** The system's native BLAS, or null when none can be loaded. */
    static BLAS loadNativeBlas() {
        try {
            return NativeBLAS.getInstance();
        } catch (Throwable unavailable) { // netlib throws Errors when the shared library is absent
            return null;
        }
    }
}
