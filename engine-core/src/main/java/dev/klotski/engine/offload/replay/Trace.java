package dev.klotski.engine.offload.replay;

import dev.klotski.engine.offload.RoutingShape;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A recorded routing trace (the format of ../shared/traces): {@code expert_ids.npy}, integers
 * (tokens, layers, top_k) with each token's chosen experts per layer, best first; {@code request_offsets.npy},
 * int64 (requests + 1) where request r is rows offsets[r] .. offsets[r+1]-1 in decode order. The shape comes from
 * the files; the expert count is the largest id plus one.
 */
public final class Trace {
    public static final String EXPERT_IDS = "expert_ids.npy";
    public static final String REQUEST_OFFSETS = "request_offsets.npy";

    private final Path dir;
    private final RoutingShape shape;
    private final int tokens;
    private final short[] ids;    // (tokens, layers, topK)
    private final int[] offsets;  // (requests + 1)

    public Trace(Path dir, RoutingShape shape, short[] ids, int[] offsets) {
        this.dir = dir;
        this.shape = shape;
        this.ids = ids;
        this.offsets = offsets;
        this.tokens = offsets[offsets.length - 1];
    }

    public static Trace read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new TraceFormatException("trace folder " + dir + " does not exist");
        }
        Path idsFile = dir.resolve(EXPERT_IDS);
        Path offsetsFile = dir.resolve(REQUEST_OFFSETS);
        for (Path f : new Path[] {idsFile, offsetsFile}) {
            if (!Files.isRegularFile(f)) {
                throw new TraceFormatException("trace folder " + dir + " has no " + f.getFileName());
            }
        }
        Npy idsNpy = Npy.read(idsFile, 3, "|u1", "<u2", "<i2", "<i4", "<i8");
        long[] s = idsNpy.shape();
        if (s[0] > Integer.MAX_VALUE || s[1] < 1 || s[2] < 1) {
            throw new TraceFormatException(idsFile + " has shape " + Npy.describe(s)
                    + "; expected (tokens, layers, top_k) with layers and top_k at least 1");
        }
        short[] ids = new short[(int) idsNpy.count()];
        int max = -1;
        for (int i = 0; i < ids.length; i++) {
            long v = idsNpy.get(i);
            if (v < 0 || v > Short.MAX_VALUE) {
                throw new TraceFormatException(idsFile + " element " + i + " is " + v + ", not an expert id");
            }
            ids[i] = (short) v;
            max = Math.max(max, (int) v);
        }
        Npy offNpy = Npy.read(offsetsFile, 1, "<i8", "<i4");
        int n = (int) offNpy.count();
        if (n < 1) {
            throw new TraceFormatException(offsetsFile + " is empty; expected requests + 1 offsets");
        }
        int[] offsets = new int[n];
        for (int r = 0; r < n; r++) {
            long v = offNpy.get(r);
            long before = r == 0 ? 0 : offsets[r - 1];
            if (r == 0 ? v != 0 : v < before || v > s[0]) {
                throw new TraceFormatException(offsetsFile + " offset " + r + " is " + v + "; offsets must start at 0"
                        + " and rise to the " + s[0] + " tokens of " + EXPERT_IDS);
            }
            offsets[r] = (int) v;
        }
        if (offsets[n - 1] != s[0]) {
            throw new TraceFormatException(offsetsFile + " ends at " + offsets[n - 1] + ", but " + EXPERT_IDS
                    + " has " + s[0] + " tokens");
        }
        int experts = Math.max(max + 1, (int) s[2]);
        return new Trace(dir, new RoutingShape((int) s[1], experts, (int) s[2]), ids, offsets);
    }

    public Path dir() {
        return dir;
    }

    public RoutingShape shape() {
        return shape;
    }

    public int tokens() {
        return tokens;
    }

    public int requests() {
        return offsets.length - 1;
    }

    /** First token row of request {@code r}; {@code requestStart(requests())} is the token count. */
    public int requestStart(int r) {
        return offsets[r];
    }

    /** The {@code slot}-th choice (0 = best) of token row {@code token} at {@code layer}. */
    public int expert(int token, int layer, int slot) {
        return ids[(token * shape.layers() + layer) * shape.topK() + slot];
    }
}
