/**
 * Random-weight models in HuggingFace format ({@code klotski make-model}): no real weights can be
 * downloaded here, so demos, tests and benchmarks run on models the project writes itself.
 */
package dev.klotski.engine.modelgen;
