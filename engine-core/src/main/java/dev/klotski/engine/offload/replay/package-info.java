/**
 * Trace replay: real routing recorded from a model (NumPy files of expert ids) replayed through the same expert
 * cache, policies and prefetchers the engine runs, with instant loads and no weights, scored against the optimal
 * offline (Belady) cache.
 */
package dev.klotski.engine.offload.replay;
