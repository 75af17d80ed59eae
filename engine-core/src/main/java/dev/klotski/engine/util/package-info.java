/** Small leaf helpers with no engine dependencies. */
package dev.klotski.engine.util;
