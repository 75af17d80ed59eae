#!/usr/bin/env bash
# usage: run_golden.sh ARCH SEED FIXTURE_DIR
# env: LLAMA_DIR (llama.cpp checkout with build/bin/libllama.so), HARNESS (compiled llama_golden.cpp), WORK (scratch dir)
set -euo pipefail
ARCH=$1; SEED=$2; OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH=$LLAMA_DIR/gguf-py
W=$WORK/$ARCH; rm -rf "$W"; mkdir -p "$W"
python3 "$HERE/make_golden.py" build "$ARCH" "$SEED" "$OUT"
python3 "$HERE/make_golden.py" gguf "$ARCH" "$OUT" "$W/model.gguf"
python3 "$HERE/make_golden.py" prompts "$W"
LLAMA_ARCH=$(python3 -c "import gguf,sys; print(gguf.MODEL_ARCH_NAMES[getattr(gguf.MODEL_ARCH, sys.argv[1])])" \
  "$(python3 -c "import sys; sys.path.insert(0,'$HERE'); import make_golden as m; print(m.GGUF_ARCH['$ARCH'])")")
for f in "$W"/*.txt; do
  n=$(basename "$f" .txt)
  "$HARNESS" "$W/model.gguf" tokenize "$f" "$W/$n.ids" 2>/dev/null
  "$HARNESS" "$W/model.gguf" run "$W/$n.ids" 24 "$W/$n.f32" > "$W/$n.gen" 2>/dev/null
  "$HARNESS" "$W/model.gguf" run "$W/$n.ids" 24 "$W/$n.run2.f32" > /dev/null 2>&1
done
( cd "$LLAMA_DIR" && printf '{"commit": "%s", "commit_date": "%s", "seed": %s, "llama_cpp_arch": "%s"}' \
  "$(git rev-parse HEAD)" "$(git log -1 --format=%cs)" "$SEED" "$LLAMA_ARCH" ) > "$W/meta.json"
python3 "$HERE/make_golden.py" final "$ARCH" "$OUT" "$W"
