#!/usr/bin/env bash
# Issue #8's headline comparison: from one SFT checkpoint, GRPO against continued SFT of equal compute,
# one pair of runs per seed, both evaluated on the eval split, then ./rft compare over the pairs.
#
# usage: bench/headline.sh CONFIG INIT OUTROOT SEED...
#   CONFIG   train config: its "data" (which must hold the eval split), its "grpo" settings, and in
#            "sft" the continued SFT's lr and warmup (its steps are set here, see below)
#   INIT     the SFT checkpoint both arms start from
#   OUTROOT  where runs go: grpo-<seed>/, sft-<seed>/ (each with eval/), probe/, summary.tsv, compare.md
# Equal compute means equal training time on this machine: GRPO runs first and logs its seconds
# (elapsed_s); a short SFT probe from INIT (bench/sft-seconds-per-step.sh) measures seconds per SFT step;
# the SFT arm then gets round(GRPO seconds / SFT seconds per step) steps, and runs again, rescaled, when its
# time is more than 5% off GRPO's.
# env: RFT (the launcher, default ./rft; on the GPU machine "bash .device-train/run.sh"), PROBE (default 60),
#      SFT_RATE (seconds per SFT step, known from an earlier run: skips the probe).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 4 ]] || { sed -n 2,15p "$0"; exit 2; }
config=$1 init=$2 root=$3; shift 3
RFT=${RFT:-./rft} PROBE=${PROBE:-60}
mkdir -p "$root"

# CONFIG with JSON overrides merged in (objects field by field), written to a file.
derive() { python3 bench/config-with.py "$config" "$1" > "$2"; }
# The last logged value of a metric in a metrics.jsonl.
last() { python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1][sys.argv[2]])" "$1" "$2"; }
data=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['data'])" "$config")

if [[ -n ${SFT_RATE:-} ]]; then sft_rate=$SFT_RATE; else
  sft_rate=$(RFT="$RFT" bash bench/sft-seconds-per-step.sh "$config" "$init" "$root/probe" "$PROBE"); fi
echo "SFT seconds per step, first estimate: $sft_rate" | tee "$root/probe.txt"
printf 'seed\tgrpo_steps\tgrpo_s\tsft_steps\tsft_s\n' > "$root/summary.tsv"

a=() b=()
for seed in "$@"; do
  g=$root/grpo-$seed s=$root/sft-$seed
  rm -rf "$g" "$s"
  derive "{\"seed\": $seed, \"out\": \"$g\"}" "$root/grpo-$seed.json"
  $RFT train-grpo --init "$init" --config "$root/grpo-$seed.json" > "$g.log" 2>&1
  grpo_s=$(last "$g/grpo/metrics.jsonl" elapsed_s)
  grpo_steps=$(last "$g/grpo/metrics.jsonl" step)
  # SFT steps for GRPO's seconds; the rate is the probe's (or SFT_RATE), then the last SFT arm's. An arm more
  # than 5% off in time runs again with its steps scaled, up to 3 tries: a short probe misjudges the rate by up
  # to 2x, because each new process decodes the videos of scenes it has not seen yet (the early steps are slow).
  steps=$(python3 -c "print(max(1, round($grpo_s / $sft_rate)))")
  for try in 1 2 3; do
    derive "{\"seed\": $seed, \"out\": \"$s\", \"sft\": {\"steps\": $steps}}" "$root/sft-$seed.json"
    rm -rf "$s"
    $RFT train-sft --init "$init" --config "$root/sft-$seed.json" > "$s.log" 2>&1
    sft_s=$(last "$s/sft/metrics.jsonl" elapsed_s)
    sft_rate=$(python3 -c "print($sft_s / $steps)")
    python3 -c "import sys; sys.exit(abs($sft_s / $grpo_s - 1) > 0.05)" && break
    [[ $try == 3 ]] || steps=$(python3 -c "print(max(1, round($steps * $grpo_s / $sft_s)))")
  done
  printf '%s\t%s\t%.1f\t%s\t%.1f\n' "$seed" "$grpo_steps" "$grpo_s" "$steps" "$sft_s" | tee -a "$root/summary.tsv"
  $RFT predict --ckpt "$g/grpo/final" --config "$root/grpo-$seed.json" --out "$g/eval" > "$g.eval.md" 2>&1
  $RFT predict --ckpt "$s/sft/final" --config "$root/sft-$seed.json" --out "$s/eval" > "$s.eval.md" 2>&1
  a+=("$s/eval") b+=("$g/eval")
done
joined() { local IFS=,; echo "$*"; }
$RFT compare --a "$(joined "${a[@]}")" --b "$(joined "${b[@]}")" --data "$data" | tee "$root/compare.md"
