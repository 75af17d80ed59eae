/** Data only: dtypes, half-float conversions and host matrices. No math beyond conversions lives here. */
package dev.klotski.engine.tensor;
