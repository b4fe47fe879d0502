#!/usr/bin/env bash
# On the GPU machine: SFT arms that differ only in their "sft" settings, on one dataset
# (bench/configs/gpu-sft-compare.json with SEED=n, default 1), trained and evaluated one after another.
# Each argument is a JSON object merged into "sft", e.g. the number-target ablation:
#   bash bench/sft-arms.sh '{}' '{"number_sigma": 1.0}'
# Prepare here: mvn -q -B package -DskipTests && bash ../shared/device/train-pack.sh; carry .device-train.
# Each arm's predictions stay in /tmp/rftout-<n>/predict_eval and are copied to $OUT/arm-<n> when OUT is set,
# for ./rft compare here.
set -uo pipefail
cd "$(dirname "$0")/.."
n=0
for arm in "$@"; do
  n=$((n + 1))
  C=/tmp/sft-arm-$n.json
  python3 bench/config-with.py bench/configs/gpu-sft-compare.json "{\"sft\": $arm, \"seed\": ${SEED:-1}, \"out\": \"/tmp/rftout-$n\"}" > $C
  echo "== arm $n: sft $arm (seed ${SEED:-1})"
  [[ -f /tmp/rftdata/train.jsonl ]] || bash .device-train/run.sh gen-data --config $C 2>&1 | tail -1
  bash .device-train/run.sh train-sft --config $C 2>&1 | grep -E "step (600|1200)/"
  bash .device-train/run.sh predict --ckpt /tmp/rftout-$n/sft/final --config $C --split eval 2>&1 | grep -E "^\|"
  [[ -n "${OUT:-}" ]] && mkdir -p "$OUT/arm-$n" && cp /tmp/rftout-$n/predict_eval/pred_*.jsonl "$OUT/arm-$n/" && cp /tmp/rftdata/eval_*_gt.jsonl "$OUT/"
done
