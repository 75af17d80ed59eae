package dev.klotski.engine.plan;

import dev.klotski.engine.offload.RoutingProfile;

/**
 * Everything a plan is made from.
 *
 * @param model             the model's shape; must be the one the profile was measured on
 * @param profile           the machine's measured speeds
 * @param deviceBudgetBytes bytes of routed experts the compute tier may hold (at least top-k experts per MoE layer)
 * @param hostBudgetBytes   bytes of routed experts a host tier may hold between storage and compute; 0 for none
 * @param directIo          experts are read with O_DIRECT (the disk's rate), else buffered (the page cache may help)
 * @param workload          prompts, their lengths, and an optional batch size
 * @param kvMemoryBytes     memory for KV caches and activations (on the CPU backend: heap left after the weights)
 * @param routing           a routing profile whose popularity replaces near-uniform routing and decides pins; or null
 */
public record PlanInputs(ModelShape model, HardwareProfile profile, long deviceBudgetBytes, long hostBudgetBytes,
                         boolean directIo, Workload workload, long kvMemoryBytes, RoutingProfile routing) {

    public PlanInputs {
        if (!model.equals(profile.model())) {
            throw new IllegalArgumentException("the hardware profile was measured on another model ("
                    + profile.model().summary() + "); this one is " + model.summary()
                    + " — measure it (klotski profile-hw)");
        }
        if (deviceBudgetBytes < 1 || hostBudgetBytes < 0 || kvMemoryBytes < 1) {
            throw new IllegalArgumentException("budgets must be positive (host may be 0): device " + deviceBudgetBytes
                    + ", host " + hostBudgetBytes + ", KV memory " + kvMemoryBytes);
        }
    }
}
