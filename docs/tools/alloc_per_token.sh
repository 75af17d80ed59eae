#!/usr/bin/env bash
# Heap allocation per generated token, from JFR: runs `klotski bench` twice with different --new-tokens on the
# same prompts and divides the difference in bytes allocated (all threads, jdk.ThreadAllocationStatistics) by
# the difference in generated tokens, so model loading and prefill cancel out.
# Usage: docs/tools/alloc_per_token.sh JAR MODEL BATCH [SHORT LONG]
set -euo pipefail
jar=$1; model=$2; batch=$3; short=${4:-16}; long=${5:-80}
tmp=$(mktemp -d)
allocated() { # new-tokens -> bytes allocated by all threads over the whole run
  java --add-modules jdk.incubator.vector -XX:StartFlightRecording=filename=$tmp/$1.jfr,settings=default \
    -jar "$jar" bench --model "$model" --batch-sizes "$batch" --prompt-tokens 32 --new-tokens "$1" --repeats 1 \
    --warmup-ms 0 \
    --threads 2 >/dev/null 2>&1
  jfr print --events jdk.ThreadAllocationStatistics "$tmp/$1.jfr" | python3 -c '
import re, sys
last = {}
for block in sys.stdin.read().split("jdk.ThreadAllocationStatistics")[1:]:
    m = re.search(r"allocated = ([0-9.]+) (bytes|kB|MB|GB)", block)
    t = re.search(r"thread = \"([^\"]*)\"", block)
    if m and t:
        unit = {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)]
        last[t.group(1)] = max(last.get(t.group(1), 0), float(m.group(1)) * unit)
print(int(sum(last.values())))'
}
a=$(allocated "$short"); b=$(allocated "$long")
# bench runs one warm-up and one measured generate: 2 runs x batch sequences x tokens
python3 -c "print(f'{($b - $a) / (2 * $batch * ($long - $short)):.0f} bytes allocated per generated token (batch $batch)')"
rm -rf "$tmp"
