/**
 * The CPU backend: plain Java math, the Vector API kernels and the OpenBLAS bridge.
 * <p>Rules for the Vector API code, learnt from runs that slowed to a third while allocating gigabytes. C2
 * compiles vector code to registers only when it inlines every vector method with its shape known; otherwise the
 * Java fallback runs on boxed vectors.
 * <ul>
 * <li>Call {@code a.lanewise(MUL, b)}, not {@code a.mul(b)}, in code that shares its shape with other code. The
 * convenience forms (mul, add, fma, sub, neg, max, min, the scalar-operand lanewise) are one method for every
 * shape, so their inner call is profiled there for all callers. Once 256- and 512-bit code had both run, C2 inlined
 * both shapes into 256-only code and could not unbox the merged value ("TypeProfile ... Float512 / Float256" in
 * -XX:+PrintInlining). {@code lanewise} with a vector operand is abstract, so it is profiled at our call site.</li>
 * <li>Pass vectors to our own helpers only where the helper is small: vector API methods are force-inlined, ours
 * are not, and a refused one (NodeCountInliningCutoff, "hot method too big") runs boxed until C2 compiles it on
 * its own.</li>
 * <li>Scalar operands become vector constants (static final, broadcast once).</li>
 * </ul>
 * Diagnose with {@code -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining}, or a JFR profile
 * whose samples fall in bOpTemplate, tOpTemplate, ldOp or defaultReinterpret (the fallbacks).
 */
package dev.klotski.engine.kernel.cpu;
