package dev.klotski.engine.cli;

import dev.klotski.engine.offload.ByteBudget;
import dev.klotski.engine.plan.HardwareProber;
import dev.klotski.engine.plan.HardwareProfile;
import dev.klotski.engine.plan.ProbeSettings;
import dev.klotski.engine.plan.ProfileCache;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code klotski profile-hw}: measure how fast this machine runs a model, and cache it for {@code klotski plan}. */
@Command(name = "profile-hw", mixinStandardHelpOptions = true,
        description = "Measure a hardware profile for a model: disk reads (O_DIRECT and buffered), the host tier's copy, one expert's feed-forward by tokens, the rest of a forward pass and the LM head. Cached for klotski plan.")
final class ProfileHwCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    HardwareArgs hardware;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the profile (default: ~/.cache/klotski/hw-profile-MODELKEY-Nt.json, or under $XDG_CACHE_HOME).")
    Path out;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json", description = "A few lines, or the profile's JSON.")
    GenerateCommand.OutputFormat format;

    @Option(names = "--disk-bytes", defaultValue = "256MiB", paramLabel = "SIZE",
            description = "Bytes of the checkpoint read for each disk figure, and copied for the host-copy figure "
                    + "(default ${DEFAULT-VALUE}).")
    String diskBytes;

    @Option(names = "--tokens", defaultValue = "1,4,16,64,256", split = ",", paramLabel = "LIST",
            description = "Token counts one expert's feed-forward is timed at (default ${DEFAULT-VALUE}).")
    List<Integer> tokens;

    @Option(names = "--pass-tokens", defaultValue = "1,4,16,64", split = ",", paramLabel = "LIST",
            description = "Token counts whole forward passes are timed at (default ${DEFAULT-VALUE}).")
    List<Integer> passTokens;

    @Option(names = "--context", defaultValue = "256", paramLabel = "N",
            description = "Earlier positions the attention-cost passes attend to (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "N",
            description = "Timings per point; the fastest counts (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup-ms", defaultValue = "200", paramLabel = "MS",
            description = "Time each point runs before it is timed, so the JIT has compiled the kernels (default ${DEFAULT-VALUE}).")
    int warmupMillis;

    @Override
    public Integer call() {
        ProbeSettings settings;
        try {
            long disk = ByteBudget.parse(diskBytes).bytes();
            if (disk < 1) {
                throw new IllegalArgumentException("--disk-bytes takes a size (256MiB), not a share");
            }
            settings = new ProbeSettings(disk, disk, tokens, passTokens, context, repeats, warmupMillis);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        HardwareProber prober = hardware.prober(settings, err);
        HardwareProfile profile = prober.measure(hardware.model);
        Path file = out != null ? out : ProfileCache.defaultFile(profile.key());
        profile.write(file);
        PrintWriter o = spec.commandLine().getOut();
        if (format == GenerateCommand.OutputFormat.json) {
            o.println(profile.toJson());
        } else {
            o.print(profile.toText());
            o.println("saved        " + file);
        }
        o.flush();
        err.println("hardware profile written to " + file);
        return 0;
    }
}
