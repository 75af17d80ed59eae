/**
 * The building blocks of a decoder, written against {@link dev.klotski.engine.kernel.Kernels}: norms, RoPE,
 * attention, router, MoE block. Declares {@link dev.klotski.engine.model.layers.ExpertWeights}, the seam
 * the offloading layer implements.
 */
package dev.klotski.engine.model.layers;
