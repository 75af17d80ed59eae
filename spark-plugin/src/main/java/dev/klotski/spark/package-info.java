/**
 * Klotski for Spark: {@link dev.klotski.spark.KlotskiPlugin} (set {@code spark.plugins}) and
 * {@link dev.klotski.spark.KlotskiFunctions#moeGenerate} / SQL {@code moe_generate}.
 */
package dev.klotski.spark;
