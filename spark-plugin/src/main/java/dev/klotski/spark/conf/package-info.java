/**
 * Typed {@code spark.klotski.*} settings: {@link dev.klotski.spark.conf.KlotskiConf} declares each once;
 * {@link dev.klotski.spark.conf.GenerateOptions} is what one call resolves them to.
 */
package dev.klotski.spark.conf;
