package dev.klotski.engine.kernel.cpu;

import dev.klotski.engine.kernel.Kernels;

/** CPU kernels that own a {@link ThreadPool}: the pool serves parallelFor and is closed with the kernels. */
abstract class PooledKernels implements Kernels {
    protected final ThreadPool pool;

    PooledKernels(int threads) {
        this.pool = new ThreadPool(threads);
    }

    @Override
    public final void parallelFor(int n, RangeBody body) {
        pool.parallelFor(n, body);
    }

    @Override
    public final void close() {
        pool.close();
    }
}
