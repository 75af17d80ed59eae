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
        return create(batchInvariant, new ThreadPool(threads), true);
    }

    /** As {@link #create(boolean, int)}, on threads shared with other kernels: closing these leaves them running. */
    public static Kernels create(boolean batchInvariant, ComputeThreads threads) {
        return create(batchInvariant, threads.pool(), false);
    }

    private static Kernels create(boolean batchInvariant, ThreadPool pool, boolean ownsPool) {
        MatmulKernel simd = vectorMatmul(pool);
        // The rest of the math follows the products' family: SIMD with SIMD, so each family keeps one set of bits.
        LayerMath math = simd != null ? vectorMath() : new PlainLayerMath();
        MatmulKernel fixedOrder = simd != null ? simd : new FixedOrderMatmul(pool);
        if (batchInvariant) {
            return new CpuKernels(fixedOrder, math, pool, ownsPool);
        }
        // Few rows in fast mode: kernels free of the fixed order where they are faster, else the fixed-order ones.
        MatmulKernel small = simd != null ? fastSmall(simd, pool) : fixedOrder;
        BLAS nativeBlas = loadNativeBlas();
        if (nativeBlas != null) {
            TileWidener widener = simd != null ? ((TiledFixedOrderMatmul) simd).widener() : ScalarWidening::widen;
            MatmulKernel blas = new BlasMatmul(nativeBlas, widener);
            return new CpuKernels(simd == null ? blas : new SplitMatmul(blas, small), math, pool, ownsPool);
        }
        LOG.warn("native BLAS not found (install OpenBLAS, e.g. Debian's libopenblas0); "
                + "using the slower Java kernels");
        return new CpuKernels(small, math, pool, ownsPool);
    }

    /** The scalar batch-invariant kernels, whatever the JVM offers (tests compare the two families). */
    public static Kernels scalarFixedOrder(int threads) {
        ThreadPool pool = new ThreadPool(threads);
        return new CpuKernels(new FixedOrderMatmul(pool), new PlainLayerMath(), pool, true);
    }

    /** The SIMD fixed-order kernels, or null when the JVM lacks the Vector API module. */
    private static MatmulKernel vectorMatmul(ThreadPool pool) {
        if (!vectorApiAvailable()) {
            return null;
        }
        try {
            // By name, so this class never links against the incubator module when it is absent.
            return (MatmulKernel) Class.forName("dev.klotski.engine.kernel.cpu.VectorFixedOrderMatmul")
                    .getDeclaredConstructor(ThreadPool.class).newInstance(pool);
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("SIMD fixed-order kernels unavailable ({}); using scalar Java kernels", e.toString());
            return null;
        }
    }

    /** The fast mode's SIMD kernels for few rows, falling back to simd; only called once simd has loaded. */
    private static MatmulKernel fastSmall(MatmulKernel simd, ThreadPool pool) {
        try {
            return (MatmulKernel) Class.forName("dev.klotski.engine.kernel.cpu.FastSmallMatmul")
                    .getDeclaredConstructor(MatmulKernel.class, ThreadPool.class).newInstance(simd, pool);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("SIMD kernels loaded but the fast small-product ones did not", e);
        }
    }

    /** The SIMD math; only called once the SIMD kernels have loaded, so the module is there. */
    private static LayerMath vectorMath() {
        try {
            return (LayerMath) Class.forName("dev.klotski.engine.kernel.cpu.VectorLayerMath")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("SIMD kernels loaded but their attention and SiLU did not", e);
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
