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
     * Fast mode: OpenBLAS when it is installed (with the SIMD kernels for products of few rows when the Vector
     * API is there), else the fixed-order kernels with one log line. Batch-invariant mode: the fixed-order
     * kernels, SIMD when the Vector API is there.
     */
    public static Kernels create(boolean batchInvariant, int threads) {
        if (batchInvariant) {
            return fixedOrder(threads);
        }
        BLAS nativeBlas = loadNativeBlas();
        if (nativeBlas != null) {
            Kernels blas = new BlasKernels(nativeBlas, threads);
            Kernels simd = vectorKernels(threads);
            return simd == null ? blas : new SmallBatchKernels(blas, simd);
        }
        LOG.warn("native BLAS not found (install OpenBLAS, e.g. Debian's libopenblas0); "
                + "using the slower fixed-order Java kernels");
        return fixedOrder(threads);
    }

    /**
     * The SIMD fixed-order kernels when the JVM has the Vector API module (Spark's launcher and bin/klotski add
     * it), else the scalar ones. The two give different bits, each batch-invariant on its own.
     */
    static Kernels fixedOrder(int threads) {
        Kernels simd = vectorKernels(threads);
        return simd != null ? simd : new FixedOrderKernels(threads);
    }

    /** The SIMD fixed-order kernels, or null when the JVM lacks the Vector API module. */
    private static Kernels vectorKernels(int threads) {
        if (!vectorApiAvailable()) {
            return null;
        }
        try {
            // By name, so this class never links against the incubator module when it is absent.
            return (Kernels) Class.forName("dev.klotski.engine.kernel.cpu.VectorFixedOrderKernels")
                    .getDeclaredConstructor(int.class).newInstance(threads);
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("SIMD fixed-order kernels unavailable ({}); using scalar Java kernels", e.toString());
            return null;
        }
    }

    static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
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
