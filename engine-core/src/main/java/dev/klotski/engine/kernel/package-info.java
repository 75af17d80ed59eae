/**
 * The backend interface for compute kernels ({@link dev.klotski.engine.kernel.Kernels}) and its selection.
 * {@code kernel.cpu} holds the CPU implementations, including the plain reference every backend is tested
 * against; a CUDA backend will live in {@code kernel.cuda}, the only package allowed to import JCuda.
 */
package dev.klotski.engine.kernel;
