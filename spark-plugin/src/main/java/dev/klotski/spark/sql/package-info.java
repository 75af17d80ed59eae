/**
 * The batched {@code moe_generate}: expression ({@link dev.klotski.spark.sql.MoeGenerate}) -> optimizer rule
 * ({@link dev.klotski.spark.sql.ExtractMoeGenerate}) -> logical node -> strategy -> exec that calls the engine
 * once per batch of a partition's rows, the shape of Spark's own batched Python UDFs.
 */
package dev.klotski.spark.sql;
