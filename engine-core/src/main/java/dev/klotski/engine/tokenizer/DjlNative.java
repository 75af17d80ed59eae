package dev.klotski.engine.tokenizer;

/**
 * Settings DJL reads once, when its tokenizers library first loads; they must be in place before any DJL call.
 *
 * <p>Why: DJL's {@code LibUtils} picks the native "flavor" from {@code RUST_FLAVOR} (environment first, then
 * system property); unset, it asks the platform, which on a machine with CUDA picks a {@code cuXXX} flavor that
 * is not in the jar and is then downloaded. In offline mode ({@code ai.djl.offline}) it picks {@code cpu}, which
 * the jar bundles, and copies it to DJL's cache folder. Separately, every {@code HuggingFaceTokenizer.newInstance}
 * calls {@code Ec2Utils.callHome}, which probes the EC2 metadata address and a telemetry URL unless offline mode or
 * {@code OPT_OUT_TRACKING} is set. Klotski never wants either network access.
 */
final class DjlNative {

    private DjlNative() {
    }

    static synchronized void configure() {
        setIfAbsent("RUST_FLAVOR", "cpu");
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        String envFlavor = System.getenv("RUST_FLAVOR");
        if (envFlavor != null && !envFlavor.isEmpty() && !envFlavor.equals("cpu")) {
            // The environment wins over system properties in DJL; a GPU flavor would be downloaded.
            throw new IllegalStateException("RUST_FLAVOR=" + envFlavor + " is set in the environment; Klotski uses "
                    + "the CPU tokenizers library bundled in its jar and never downloads one: unset RUST_FLAVOR");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
