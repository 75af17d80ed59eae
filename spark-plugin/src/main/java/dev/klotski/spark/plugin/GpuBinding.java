package dev.klotski.spark.plugin;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;

/** Reads the one {@code gpu} address Spark assigned an executor (spark.executor.resource.gpu.amount=1). */
final class GpuBinding {
    private GpuBinding() {
    }

    /** The address, or null when the executor has no GPU. One engine drives one GPU, so more is an error. */
    static String address(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        if (gpu.addresses().length > 1) {
            throw new IllegalStateException("Klotski drives one GPU per executor, but this executor got "
                    + gpu.addresses().length + "; set spark.executor.resource.gpu.amount=1");
        }
        return gpu.addresses()[0];
    }
}
