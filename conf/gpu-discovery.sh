#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript / spark.worker.resource.gpu.discoveryScript).
# Prints the GPUs of this machine in Spark's ResourceInformation JSON, e.g. {"name":"gpu","addresses":["0","1"]}.
# No nvidia-smi (a CPU machine) prints an empty list.
set -euo pipefail
addresses=""
if command -v nvidia-smi >/dev/null 2>&1; then
  addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | sed -e 's/^ *//' -e 's/.*/"&"/' | paste -sd, -)
fi
echo "{\"name\":\"gpu\",\"addresses\":[${addresses}]}"
