#!/usr/bin/env bash
# This build against BASELINE's on the H100, in one call:
#   1. EngineBridgeTest with a CUDA LibTorch: GRPO's on-GPU advantages and loss statistics (train.EngineBridge)
#      against the CPU references;
#   2. the same SFT run (300 steps, 4 micro-batches a step) with BASELINE's build twice and this one: losses side
#      by side, and the seconds;
#   3. the same GRPO run (seed 1, 40 steps from one fresh SFT checkpoint) with both builds: per-step rewards, KL
#      and loss side by side, and the seconds a step takes.
# Here (JDK 17, Maven): mvn -q -B package -DskipTests && bash ../shared/device/train-pack.sh, then
#   BASELINE=<the commit to compare with> bash bench/gpu-bridge.sh prepare
# (drops the pack's jmh, jopt and commons-math3 jars; adds JUnit, the test classes and BASELINE's jar).
# There, carrying .device-train: bash bench/gpu-bridge.sh run   (logs and the tables under $OUT;
#   run sft: the tests and the SFT comparison only).
set -euo pipefail
cd "$(dirname "$0")/.."
P=.device-train

prepare() {
  [[ -n ${BASELINE:-} && -x $P/run.sh ]] || { echo "need BASELINE=<commit> and a $P from train-pack.sh"; exit 2; }
  rm -f $P/lib/jmh-* $P/lib/jopt-* $P/lib/commons-math3-*
  mvn -q -B -ntp test-compile
  mvn -q -B -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory=$P
  tar czf $P/test-classes.tgz -C target test-classes
  bash bench/jar-at.sh "$BASELINE" $P/baseline/rft3d.jar
  du -sh $P
}

run() {
  OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/device.txt"
  local cfg=/tmp/bridge.json w=/tmp/rft-gpu
  python3 bench/config-with.py bench/configs/gpu-headline.json \
    '{"out": "/tmp/bridge/sft", "sft": {"steps": 1500}, "log_every": 500}' > $cfg
  [[ -f /tmp/rft-hl-data/eval.jsonl ]] || bash $P/run.sh gen-data --config $cfg | tail -1   # also unpacks the runtime
  [[ ${1:-} == sft ]] || bash $P/run.sh train-sft --config $cfg > "$OUT/sft.log" 2>&1   # GRPO's start
  # The environment .device-train/run.sh sets up, for a JVM with another classpath or main class.
  local tl nv; tl=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+"/lib")')
  nv=$(find "$(dirname "$(dirname "$tl")")/nvidia" -maxdepth 3 -type d -name lib | paste -sd:)
  export LD_LIBRARY_PATH="$w/nat:$tl:$nv" LD_PRELOAD="$tl/libtorch_cuda.so" OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1
  jvm() { "$w/jre/bin/java" -Dorg.bytedeco.javacpp.platform.extension=-gpu -Djava.library.path="$w/nat:$tl" \
            -Dorg.bytedeco.javacpp.pathsFirst=true "$@"; }
  local libs; libs=$(ls $P/lib/*.jar | grep -v '/rft3d.jar$' | paste -sd:)
  mkdir -p /tmp/bridge/tc && tar xzf $P/test-classes.tgz -C /tmp/bridge/tc

  echo "== EngineBridgeTest"
  set +e
  jvm -jar $P/junit-platform-console-standalone-*.jar execute --disable-banner --details=tree \
      -cp "/tmp/bridge/tc/test-classes:$P/lib/rft3d.jar:$libs" --select-class rft3d.train.EngineBridgeTest 2>&1 | tee "$OUT/tests.log"
  local tests_rc=${PIPESTATUS[0]}
  set -e

  echo "== SFT, $(cat $P/baseline/rft3d.jar.commit) twice (GPU kernels with atomics are not bit-reproducible) and this build"
  for arm in base:$P/baseline/rft3d.jar again:$P/baseline/rft3d.jar new:$P/lib/rft3d.jar; do
    local name=${arm%%:*} jar=${arm#*:}
    python3 bench/config-with.py $cfg "{\"out\": \"/tmp/bridge/sft-$name\", \"log_every\": 10,
      \"sft\": {\"steps\": 300, \"micro_batch\": 16}}" > /tmp/bridge/sft-$name.json
    jvm -cp "$jar:$libs" rft3d.cli.Main train-sft --config /tmp/bridge/sft-$name.json > "$OUT/sft-$name.log" 2>&1
    cp /tmp/bridge/sft-$name/sft/metrics.jsonl "$OUT/sft-$name.jsonl"
  done
  python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
arms = {a: [json.loads(l) for l in open(f"{out}/sft-{a}.jsonl")] for a in ("base", "again", "new")}
print("| step | loss base | base again − base | new − base |")
print("|---|---|---|---|")
for b, a, n in zip(arms["base"], arms["again"], arms["new"]):
    if b["step"] in (10, 20, 50, 100, 200, 300):
        print(f"| {b['step']} | {b['loss']:.6f} | {a['loss'] - b['loss']:+.2e} | {n['loss'] - b['loss']:+.2e} |")
for a, rows in arms.items():
    print(f"SFT {a}: {rows[-1]['elapsed_s']:.1f} s for {rows[-1]['step']} steps")
PY
  [[ ${1:-} == sft ]] && exit $tests_rc

  echo "== GRPO, $(cat $P/baseline/rft3d.jar.commit) and this build, seed 1"
  for arm in base:$P/baseline/rft3d.jar new:$P/lib/rft3d.jar; do
    local name=${arm%%:*} jar=${arm#*:}
    python3 bench/config-with.py $cfg "{\"out\": \"/tmp/bridge/$name\", \"log_every\": 1, \"grpo\": {\"steps\": 40, \"prompts\": 64,
      \"group_size\": 8, \"micro_batch\": 256, \"lr\": 1e-4, \"temperature\": 0.7, \"detection_iou_weight\": 0.0,
      \"tasks\": [\"detection\", \"grounding\"]}}" > /tmp/bridge/$name.json
    jvm -cp "$jar:$libs" rft3d.cli.Main train-grpo --init /tmp/bridge/sft/sft/final --config /tmp/bridge/$name.json \
      > "$OUT/grpo-$name.log" 2>&1
    cp /tmp/bridge/$name/grpo/metrics.jsonl "$OUT/grpo-$name.jsonl"
  done
  grep -h "advantages and loss statistics" "$OUT"/grpo-*.log || true
  python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
arms = {a: [json.loads(l) for l in open(f"{out}/grpo-{a}.jsonl")] for a in ("base", "new")}
print("| step | reward base | reward new | KL base | KL new | loss base | loss new |")
print("|---|---|---|---|---|---|---|")
for h, d in zip(arms["base"], arms["new"]):
    if h["step"] in (1, 2, 5, 10, 20, 30, 40):
        print(f"| {h['step']} | {h['reward_mean']:.4f} | {d['reward_mean']:.4f} | {h['kl']:.3g} | {d['kl']:.3g} | {h['loss']:.3g} | {d['loss']:.3g} |")
for a, rows in arms.items():  # the first step pays for the videos' first decoding: time steps 2..40
    print(f"{a}: {(rows[-1]['elapsed_s'] - rows[0]['elapsed_s']) / (len(rows) - 1):.3f} s/step over steps 2-{len(rows)}")
PY
  exit $tests_rc
}

case ${1:-} in prepare|run) "$@" ;; *) sed -n 2,12p "$0"; exit 2 ;; esac
