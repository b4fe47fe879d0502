#!/usr/bin/env bash
# Issue #8 at a larger model on the H100, in one call (its checkpoint is too big to carry between calls):
#   1. SFT of a 256-wide, 6-layer model (about 5× the headline's parameters) on the headline's data at peak lr
#      LR (default 1e-3), its step count sized by a 60-step probe to fill SFT_SECONDS (default 400; the probe,
#      decoding new videos, reads slow, by up to 2.3×) and at most MAX_STEPS (default 5000), then the greedy eval;
#   2. with the call's time left (it stops at 575 s), GRPO for 40 s (setting E: 64 prompts × 8, lr 1e-4, reward
#      without the IoU term) against continued SFT of equal time from that checkpoint (bench/headline.sh), SEED
#      (default 1), continued SFT at LR/10 (where SFT's cosine ended). The GPU's memory in use is sampled each
#      second throughout (peak in scale.txt).
# Here: mvn -q -B package -DskipTests && bash ../shared/device/train-pack.sh, and drop the pack's jmh, jopt and
# commons-math3 jars. There, carrying .device-train: bash bench/gpu-scale.sh   (logs, predictions and the
# comparison in $OUT/scale.tgz; checkpoints left out).
set -euo pipefail
cd "$(dirname "$0")/.."
export RFT="bash .device-train/run.sh"
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/device.txt"
root=/tmp/rft-scale; mkdir -p $root
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -l 1 > "$OUT/memory.log" & sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
model='"model": {"dim": 256, "layers": 6, "heads": 8}' lr=${LR:-1e-3}
python3 bench/config-with.py bench/configs/gpu-headline.json "{\"out\": \"$root/sft\", $model, \"sft\": {\"lr\": $lr}}" > $root/sft.json
[[ -f /tmp/rft-hl-data/eval.jsonl ]] || $RFT gen-data --config $root/sft.json 2>&1 | tail -1 | tee "$OUT/data.txt"

rate=$(bash bench/sft-seconds-per-step.sh $root/sft.json - $root/probe 60)
steps=$(python3 -c "print(min(${MAX_STEPS:-5000}, int(${SFT_SECONDS:-400} / $rate)))")
echo "SFT: $rate s/step in the probe, $steps steps" | tee "$OUT/scale.txt"
python3 bench/config-with.py $root/sft.json "{\"sft\": {\"steps\": $steps}, \"log_every\": 500}" > $root/sft-run.json
$RFT train-sft --config $root/sft-run.json > $root/sft.log 2>&1 || { tail -20 $root/sft.log; exit 1; }
grep -E "step [0-9]*000/|step $steps/" $root/sft.log | cut -c1-200 | tee -a "$OUT/scale.txt"
$RFT predict --ckpt $root/sft/sft/final --config $root/sft-run.json > $root/sft-eval.md 2>&1
grep '^|' $root/sft-eval.md | tee -a "$OUT/scale.txt"

left=$((575 - SECONDS))
echo "$left s left for the arms" | tee -a "$OUT/scale.txt"
if (( left > 180 )); then
  measured=$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print(r['elapsed_s'] / r['step'])" $root/sft/sft/metrics.jsonl)
  python3 bench/config-with.py bench/configs/gpu-headline-arms.json "{\"out\": \"$root/arms\", $model,
    \"sft\": {\"lr\": $(python3 -c "print($lr / 10)")}, \"grpo\": {\"steps\": 100000, \"max_seconds\": 40, \"prompts\": 64, \"micro_batch\": 256, \"lr\": 1e-4,
    \"detection_iou_weight\": 0.0}}" > $root/arms.json
  SFT_RATE=$measured timeout $((left - 10)) bash bench/headline.sh $root/arms.json $root/sft/sft/final $root/arms ${SEED:-1} \
    > "$OUT/arms.txt" 2>&1 || echo "arms: exit $?" | tee -a "$OUT/scale.txt"
  tail -14 "$OUT/arms.txt"
fi
echo "GPU memory in use, peak: $(sort -n "$OUT/memory.log" | tail -1) MiB" | tee -a "$OUT/scale.txt"
( cd /tmp && tar czf "$OUT/scale.tgz" --exclude='*.safetensors' --exclude='optimizer.pt' rft-scale )
