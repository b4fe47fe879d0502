#!/usr/bin/env bash
# GRPO vs continued SFT when training data are scarce (issue #8), on the GPU machine: 500 training scenes
# (bench/configs/gpu-limited.json; the headline run had 20,000), SFT 3,000 steps x 64 until it has seen each
# sample ~75 times, greedy eval on 400 held-out scenes, then bench/headline.sh with
# bench/configs/gpu-limited-arms.json (GRPO: 64 prompts x 8, lr 1e-4, reward without the IoU term) for seeds 1-3.
# Carry .device-train (../shared/device/train-pack.sh after mvn -q -B package -DskipTests). Logs to $OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
export RFT="bash .device-train/run.sh"
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/device.txt"
$RFT gen-data --config bench/configs/gpu-limited.json 2>&1 | tail -1
$RFT train-sft --config bench/configs/gpu-limited.json > "$OUT/sft.log" 2>&1
grep -E 'step (1000|2000|3000)/' "$OUT/sft.log" | cut -c1-120
$RFT predict --ckpt /tmp/rft-lim/sft/final --config bench/configs/gpu-limited.json > "$OUT/sft-eval.md" 2>&1
grep '^| /' "$OUT/sft-eval.md" | cut -c1-170
SFT_RATE=0.0275 bash bench/headline.sh bench/configs/gpu-limited-arms.json /tmp/rft-lim/sft/final /tmp/rft-lim-arms 1 2 3 \
  > "$OUT/arms.log" 2>&1 || { tail -20 "$OUT/arms.log"; status=1; }
cat /tmp/rft-lim-arms/summary.tsv; tail -12 /tmp/rft-lim-arms/compare.md || true
( cd /tmp/rft-lim-arms && tar czf "$OUT/lim-arms.tgz" --exclude='*.safetensors' . )
tar czf "$OUT/lim-sft.tgz" -C /tmp rft-lim/sft/metrics.jsonl rft-lim/predict_eval
exit ${status:-0}
