#!/usr/bin/env bash
# Prints the seconds per SFT step of a config on this machine, measured after warm-up (steps 10..STEPS of a
# short run into OUT; INIT is a checkpoint to start from, or "-" for a fresh model).
# usage: bench/sft-seconds-per-step.sh CONFIG INIT OUT [STEPS=60]   env: RFT (default ./rft)
set -euo pipefail
config=$1 init=$2 out=$3 steps=${4:-60}
RFT=${RFT:-./rft}
rm -rf "$out" && mkdir -p "$out"
python3 "$(dirname "$0")/config-with.py" "$config" "{\"out\": \"$out\", \"sft\": {\"steps\": $steps}, \"log_every\": 10}" > "$out/config.json"
from=(); [[ $init == - ]] || from=(--init "$init")
$RFT train-sft "${from[@]}" --config "$out/config.json" > "$out/log" 2>&1 \
  || { tail -5 "$out/log" >&2; exit 1; }
python3 - "$out/sft/metrics.jsonl" <<'PY'
import json, sys
rows = {r["step"]: r["elapsed_s"] for r in map(json.loads, open(sys.argv[1]))}
last = max(rows)
print((rows[last] - rows[10]) / (last - 10))
PY
