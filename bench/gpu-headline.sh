#!/usr/bin/env bash
# Issue #8's H100 run, on the GPU machine (no Java there: carry .device-train from
# ../shared/device/train-pack.sh after mvn -q -B package -DskipTests; for "arms", delete its jmh-*, jopt-* and
# commons-math3-* jars, which training does not use, so that the checkpoint fits the 64 MiB a call carries).
# Three kinds of call:
#   bash bench/gpu-headline.sh sft [STEPS=16000]
#       data (bench/configs/gpu-headline.json: 20,000 training and 400 eval scenes), SFT for STEPS steps,
#       greedy eval; checkpoint, logs and predictions to $OUT/sft.tgz.
#   bash bench/gpu-headline.sh arms SEED...
#       from the checkpoint carried in .device-ckpt/final: GRPO vs equal-time continued SFT
#       (bench/headline.sh with bench/configs/gpu-headline-arms.json, and the JSON in OVERRIDE, if set, merged
#       into it; SFT_RATE defaults to the 0.0275 s/step measured on the H100), per seed; logs, predictions to
#       $OUT/arms.tgz.
#   bash bench/gpu-headline.sh grpo OVERRIDE SEED:SECONDS...
#       GRPO arms only, from .device-ckpt/final, with the JSON OVERRIDE merged into gpu-headline-arms.json and
#       grpo.max_seconds set per seed to SECONDS (the training time of that seed's continued-SFT arm, run
#       before), each evaluated greedily; logs, metrics and predictions to $OUT/grpo.tgz. Pair them with
#       the SFT arms' predictions through ./rft compare. TAG (default grpo) names the run folder and archive,
#       so one call can try several settings.
#   bash bench/gpu-headline.sh throughput
#       bench/configs/gpu-throughput.json (the embedded default of 2026-11-25 on cuda): SFT tokens/s and GRPO
#       rollouts/s to set beside ./rft run --config bench/configs/cpu-throughput.json on 2 cores; to $OUT/throughput.tgz.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in sft|arms|grpo|throughput) ;; *) sed -n 2,21p "$0"; exit 2 ;; esac
export RFT="bash .device-train/run.sh"
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/device.txt"
cfg=bench/configs/gpu-headline.json
# The data are the same for every call (generated from the config's seed): made once per machine.
data=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['data'])" $cfg)
[[ ${1:-} == throughput || -f $data/eval.jsonl ]] || $RFT gen-data --config $cfg 2>&1 | tail -1 | tee "$OUT/data.txt"
case $1 in
  sft)
    python3 bench/config-with.py $cfg "{\"sft\": {\"steps\": ${2:-16000}}}" > /tmp/hl.json
    $RFT train-sft --config /tmp/hl.json > "$OUT/sft.log" 2>&1
    grep -E "step [0-9]*000/" "$OUT/sft.log" | cut -c1-200
    $RFT predict --ckpt /tmp/rft-hl/sft/final --config /tmp/hl.json > "$OUT/sft-eval.md" 2>&1; grep '^|' "$OUT/sft-eval.md"
    # One archive: the device tool brings back only a few files a call.
    tar czf "$OUT/sft.tgz" -C /tmp rft-hl/sft/final rft-hl/sft/metrics.jsonl rft-hl/sft/sft_curves.png rft-hl/predict_eval hl.json
    ;;
  grpo)
    tag=${TAG:-grpo}; root=/tmp/rft-hl-$tag; mkdir -p $root
    python3 bench/config-with.py bench/configs/gpu-headline-arms.json "$2" > /tmp/g.json; shift 2
    printf 'seed\tsteps\tseconds\tbudget\n' > $root/summary.tsv
    for pair in "$@"; do
      seed=${pair%%:*} budget=${pair#*:}; g=$root/grpo-$seed
      python3 bench/config-with.py /tmp/g.json "{\"seed\": $seed, \"out\": \"$g\", \"grpo\": {\"steps\": 100000, \"max_seconds\": $budget}}" > $g.json
      $RFT train-grpo --init .device-ckpt/final --config $g.json > $g.log 2>&1 || { tail -20 $g.log; exit 1; }
      python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print(sys.argv[2], r['step'], round(r['elapsed_s'], 1), sys.argv[3], sep='\t')" \
        $g/grpo/metrics.jsonl $seed $budget | tee -a $root/summary.tsv
      $RFT predict --ckpt $g/grpo/final --config $g.json --out $g/eval > $g.eval.md 2>&1; grep '^| /' $g.eval.md | cut -c1-160
    done
    ( cd $root && tar czf "$OUT/$tag.tgz" --exclude='*.safetensors' . )
    ;;
  throughput)
    $RFT run --config bench/configs/gpu-throughput.json > "$OUT/throughput.log" 2>&1
    tar czf "$OUT/throughput.tgz" -C /tmp rft-tp/sft/metrics.jsonl rft-tp/grpo/metrics.jsonl
    ;;
  arms)
    shift
    python3 bench/config-with.py bench/configs/gpu-headline-arms.json "${OVERRIDE:-{\}}" > /tmp/arms.json
    SFT_RATE=${SFT_RATE:-0.0275} bash bench/headline.sh /tmp/arms.json .device-ckpt/final /tmp/rft-hl-arms "$@" || status=$?
    ( cd /tmp/rft-hl-arms && tar czf "$OUT/arms.tgz" --exclude='*.safetensors' . )
    exit ${status:-0}
    ;;
esac
