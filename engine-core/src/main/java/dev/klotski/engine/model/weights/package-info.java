/**
 * Reading and writing HuggingFace safetensors checkpoints: bytes, headers, shards and dtype widening only, no
 * model math. {@link dev.klotski.engine.model.weights.Checkpoint} is the entry point for a model folder;
 * {@link dev.klotski.engine.model.weights.SafetensorsFile} reads one memory-mapped file;
 * {@link dev.klotski.engine.model.weights.SafetensorsWriter} streams a new one to disk.
 *
 * <p>Every problem with a checkpoint surfaces as a {@link dev.klotski.engine.model.weights.CheckpointException}
 * naming the file, the tensor when there is one, and what the user can do about it, because a bad download is
 * the most common way a model fails to load.
 */
package dev.klotski.engine.model.weights;
