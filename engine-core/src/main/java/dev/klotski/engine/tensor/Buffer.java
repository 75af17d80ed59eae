package dev.klotski.engine.tensor;

/**
 * A float32 activation buffer owned by a backend: host memory for the CPU kernels, device memory for a device
 * backend. Layers never read its elements; they hand buffers to the backend, which computes on its own kind.
 * Shapes are the caller's (commented where each buffer is declared); a buffer only knows its capacity.
 */
public interface Buffer {

    /** Capacity in float32 values. */
    int capacity();
}
