package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;
import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the fastest CPU kernels that meet the requested guarantees. */
public final class CpuKernelsFactory {
    private static final Logger LOG = LoggerFactory.getLogger(CpuKernelsFactory.class);
    /** netlib logs a JUL warning for every implementation it fails to load; we log our own single line. */
    private static final java.util.logging.Logger NETLIB_LOG = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

    static {
        NETLIB_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

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
    public static BLAS loadNativeBlas() {
        try {
            return NativeBLAS.getInstance();
        } catch (Throwable unavailable) { // netlib throws Errors when the shared library is absent
            return null;
        }
    }
}
