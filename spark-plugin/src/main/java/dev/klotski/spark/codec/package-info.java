/**
 * Rows to engine requests and results back to rows, carried as Arrow vectors: {@link
 * dev.klotski.spark.codec.PromptBatch} in, {@link dev.klotski.spark.codec.ResultBatch} out (row seeds come from the
 * engine's {@link dev.klotski.engine.api.RowSeed}).
 */
package dev.klotski.spark.codec;
