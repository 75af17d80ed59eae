/**
 * {@code klotski quantize}: rewrites a HuggingFace model folder with its routed experts (and optionally every
 * other weight matrix) in Klotski's group-quantized int8/int4 formats. {@link
 * dev.klotski.engine.model.quantize.ModelQuantizer} is the entry point; the folder it writes loads through the
 * ordinary {@link dev.klotski.engine.model.ModelLoader} path. No CLI or API dependencies.
 */
package dev.klotski.engine.model.quantize;
