package dev.klotski.engine.offload;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded collection of past requests' activation matrices (MoE-Infinity's EAMC). When full, a new matrix
 * replaces the stored one most similar to it, which keeps the store both recent and diverse (the paper's rule).
 */
final class EamStore {
    private final int capacity;
    private final List<float[][]> entries = new ArrayList<>(); // each (layer, expert) tokens

    EamStore(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("EAM store capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
    }

    int size() {
        return entries.size();
    }

    float[][] get(int i) {
        return entries.get(i);
    }

    List<float[][]> entries() {
        return entries;
    }

    /** Adds a copy; returns the index it took. */
    int add(float[][] eam) {
        float[][] copy = new float[eam.length][];
        for (int l = 0; l < eam.length; l++) {
            copy[l] = eam[l].clone();
        }
        if (entries.size() < capacity) {
            entries.add(copy);
            return entries.size() - 1;
        }
        int closest = 0;
        double best = Double.MAX_VALUE;
        for (int i = 0; i < entries.size(); i++) {
            double d = ActivationMatrices.distance(entries.get(i), copy, copy.length - 1);
            if (d < best) {
                best = d;
                closest = i;
            }
        }
        entries.set(closest, copy);
        return closest;
    }
}
