/** Per-sequence key/value caches. */
package dev.klotski.engine.kv;
