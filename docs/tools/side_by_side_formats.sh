#!/usr/bin/env bash
# ../shared/peers/llama.cpp-e95dae18/side_by_side.sh with Java modes per weight format: a mode is fast or
# invariant, optionally with a suffix naming a quantized copy of the bench model ("fast-int8" runs
# HF_MODEL_INT8, made by `klotski quantize --experts int8 --dense int8`). The peer script is patched into a
# temporary copy (its own folder stays untouched) and run as usual, so every engine is interleaved in one run.
# Usage, from the project checkout, after prepare.sh and the quantize below:
#   S=~/.cache/klotski-sbs
#   bin/klotski quantize --model $S/bench-mixtral --experts int8 --dense int8 --out $S/bench-mixtral-int8
#   JAVA_MODES="fast invariant fast-int8 invariant-int8" LB_MODELS="bf16 f16 q8_0" BB_MODELS="bf16 f16 q8_0" \
#     docs/tools/side_by_side_formats.sh
set -euo pipefail
PEER=${PEER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../shared/peers/llama.cpp-e95dae18" && pwd)}
SBS=${SBS:-${XDG_CACHE_HOME:-$HOME/.cache}/klotski-sbs}
export HF_MODEL_INT8=${HF_MODEL_INT8:-$SBS/bench-mixtral-int8}
work=$(mktemp -d)
cp "$PEER/side_by_side.sh" "$PEER/table.py" "$work/"
# The model follows the mode's suffix; --batch-invariant follows its prefix.
sed -i \
  -e 's|local extra=(); \[\[ \$what == invariant \]\] && extra=(--batch-invariant)|local extra=() model=$HF_MODEL; [[ $what == invariant* ]] \&\& extra=(--batch-invariant); [[ $what == *-int8 ]] \&\& model=$HF_MODEL_INT8|' \
  -e 's|bench --model "\$HF_MODEL"|bench --model "$model"|' "$work/side_by_side.sh"
grep -q 'model=$HF_MODEL_INT8' "$work/side_by_side.sh" || { echo "the peer script changed: patch no longer applies"; exit 1; }
LLAMA_BIN=${LLAMA_BIN:-$PEER/bin} SBS=$SBS bash "$work/side_by_side.sh"
