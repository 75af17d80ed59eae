/**
 * Data only: checkpoint dtypes, weight formats and matrices, activation buffers, and the conversions between
 * formats (widening, quantizing). No math beyond conversions lives here.
 */
package dev.klotski.engine.tensor;
