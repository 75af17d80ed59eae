package dev.klotski.engine.tensor;

/** A {@link Buffer} in host memory: a plain float array, as the CPU kernels use. */
public final class HostBuffer implements Buffer {
    private final float[] data;

    public HostBuffer(int capacity) {
        this.data = new float[capacity];
    }

    /** Wraps an existing array (tests, and host code that fills a buffer itself). */
    public HostBuffer(float[] data) {
        this.data = data;
    }

    /** The values; the CPU kernels read and write them directly. */
    public float[] data() {
        return data;
    }

    @Override
    public int capacity() {
        return data.length;
    }

    /** The host array behind a buffer; throws when the buffer lives elsewhere (a device backend's). */
    public static float[] of(Buffer b) {
        if (b instanceof HostBuffer h) {
            return h.data;
        }
        throw new IllegalArgumentException("buffer " + b + " is not in host memory");
    }
}
