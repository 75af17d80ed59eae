package dev.klotski.engine.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The processor's model name from /proc/cpuinfo (Linux), or "unknown cpu" elsewhere. */
final class CpuName {
    private CpuName() {
    }

    static String read() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the name is only for people
        }
        return "unknown cpu";
    }
}
