package dev.klotski.engine.kernel.cpu;

/** A loop body over the half-open range [from, to). */
@FunctionalInterface
interface RangeBody {
    void run(int from, int to);
}
