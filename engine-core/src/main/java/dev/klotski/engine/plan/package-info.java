/**
 * Fitting a run to the machine. {@link dev.klotski.engine.plan.HardwareProber} measures a
 * {@link dev.klotski.engine.plan.HardwareProfile} (disk and copy rates, expert and dense compute times, the LM
 * head) on a model's own weights; {@link dev.klotski.engine.plan.Planner} turns a profile, the model's shape,
 * memory budgets and a workload into a {@link dev.klotski.engine.plan.Plan}: Klotski's group of n batches, the
 * batch size, the prefill pass size, the prefetch depth and pins, with the predicted throughput and a reason
 * for each choice. The planner is pure arithmetic; only the prober runs kernels.
 */
package dev.klotski.engine.plan;
