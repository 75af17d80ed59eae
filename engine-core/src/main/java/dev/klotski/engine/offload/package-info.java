/**
 * Expert offloading: tiers that hold expert weights (storage, host, compute), byte budgets, the expert cache
 * and its policies, prefetchers, and the asynchronous loads between tiers. Implements the MoE layer's
 * {@link dev.klotski.engine.model.layers.ExpertSource}; backend-neutral (the CPU backend's compute tier is RAM).
 */
package dev.klotski.engine.offload;
