/**
 * Rows to engine requests and results back to rows, carried as Arrow vectors: {@link
 * dev.klotski.spark.codec.PromptBatch} in, {@link dev.klotski.spark.codec.ResultBatch} out, stable row seeds.
 */
package dev.klotski.spark.codec;
