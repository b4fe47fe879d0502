#!/usr/bin/env bash
# On the GPU machine: the same SFT (bench/configs/gpu-sft-compare.json) with the jar in .device-before/ (the
# encoding before issue #8's data changes) and with this build's, each on data its own generator wrote.
# Prints each arm's eval table. Prepare here: bash ../shared/device/train-pack.sh, and put the older
# rft3d.jar in .device-before/. Carry both folders. SEED=n (default 1) sets the data and model seed.
set -uo pipefail
cd "$(dirname "$0")/.."
C=/tmp/sft-compare.json
sed "s/\"threads\": 16,/\"threads\": 16, \"seed\": ${SEED:-1},/" bench/configs/gpu-sft-compare.json > $C
cp .device-train/lib/rft3d.jar /tmp/after.jar
for arm in before after; do
  cp "$([[ $arm == before ]] && echo .device-before/rft3d.jar || echo /tmp/after.jar)" .device-train/lib/rft3d.jar
  rm -rf /tmp/rftdata /tmp/rftout
  echo "== $arm (seed ${SEED:-1})"
  bash .device-train/run.sh gen-data --config $C 2>&1 | tail -1
  bash .device-train/run.sh train-sft --config $C 2>&1 | grep -E "step (600|1200)/"
  bash .device-train/run.sh predict --ckpt /tmp/rftout/sft/final --config $C --split eval 2>&1 | grep -E "^\|"
done
cp /tmp/after.jar .device-train/lib/rft3d.jar
