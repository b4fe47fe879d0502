#!/usr/bin/env bash
# GPU build, tests, memcheck and benchmark in one call, for a machine with an NVIDIA GPU but maybe no
# Java or Maven (like this project's H100 box).
#
#   bash bench/gpu.sh prepare   # here (JDK 17 + Maven + nvcc): build everything into .device/
#   bash bench/gpu.sh run       # there, from the repository root: tests, compute-sanitizer, benchmark
#
# BASELINE=<commit> bash bench/gpu.sh prepare also builds that commit's jar, and `run` then benchmarks it
# first, on the same device in the same call, for a before/after table. SKIP_PYTHON=1 skips the Python
# references (minutes of device time; they depend only on the data, not on rft3d's kernels).
#
# `run` writes logs and results under $OUT (default: ./gpu-out) and prints a short table last.
# On a machine with both Java and a GPU, `prepare` then `run` works the same.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=.device

prepare() {
  mvn -q -B -ntp -Pbench package -DskipTests
  mvn -q -B -ntp -Pbench test-compile
  rm -rf "$DEV" && mkdir -p "$DEV/lib"
  cp target/rft3d.jar "$DEV/"
  cp target/lib/jackson-*.jar target/lib/jcuda-*.jar "$DEV/lib/"
  mvn -q -B -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory="$DEV"
  tar czf "$DEV/test-classes.tgz" -C target test-classes
  jlink --add-modules java.base,java.logging,java.management,java.sql,jdk.unsupported,jdk.httpserver,jdk.zipfs,java.net.http,jdk.jfr \
        --strip-debug --no-header-files --no-man-pages --compress=2 --output "$DEV/jre"
  tar czf "$DEV/jre.tgz" -C "$DEV" jre && rm -rf "$DEV/jre"
  [[ -z "${BASELINE:-}" ]] || bash bench/jar-at.sh "$BASELINE" "$DEV/baseline.jar" -Pbench
  du -sh "$DEV"
}

run() {
  OUT="${OUT:-$PWD/gpu-out}"
  mkdir -p "$OUT"
  local work; work="$(mktemp -d)"
  tar xzf "$DEV/jre.tgz" -C "$work"
  tar xzf "$DEV/test-classes.tgz" -C "$work"
  # Explicit jar list: JUnit's console launcher does not expand "lib/*".
  local java="$work/jre/bin/java" cp
  cp="$DEV/rft3d.jar:$(ls "$DEV"/lib/*.jar | paste -sd: -)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/device.txt"

  echo "== GPU tests (JUnit, rft3d.cuda)"
  set +e
  "$java" -jar "$DEV"/junit-platform-console-standalone-*.jar execute --disable-banner --details=tree \
      -cp "$work/test-classes:$cp" --select-package rft3d.cuda 2>&1 | tee "$OUT/tests.log"
  local tests_rc=${PIPESTATUS[0]}

  echo "== compute-sanitizer memcheck (one small batch through every detection kernel)"
  compute-sanitizer --tool memcheck --leak-check full --error-exitcode 7 \
      "$java" -cp "$cp" rft3d.bench.GpuBenchmark "$work/quick" --quick > "$OUT/memcheck.log" 2>&1
  local memcheck_rc=$?
  tail -n 3 "$OUT/memcheck.log"

  echo "== Nsight Compute: time of each kernel (general-1024, third call: seven kernels a call)"
  timeout 300 ncu --metrics gpu__time_duration.sum --launch-skip 14 --launch-count 7 \
      "$java" -cp "$cp" rft3d.bench.GpuBenchmark "$work/profile" --profile > "$OUT/ncu.log" 2>&1
  grep -E "^  [a-z_]+ \(|gpu__time_duration" "$OUT/ncu.log" | sed 's/,.*Context.*//' | tee "$OUT/kernels.txt"
  echo "== Nsight Compute: reading answers (third call from strings, then three from token ids)"
  timeout 300 ncu --metrics gpu__time_duration.sum --kernel-name regex:'detokenize|read_detections|pack_predictions' --launch-skip 4 --launch-count 11 \
      "$java" -cp "$cp" rft3d.bench.GpuBenchmark "$work/profile" --profile > "$OUT/ncu-read.log" 2>&1
  grep -E "^  [a-z_]+ \(|gpu__time_duration" "$OUT/ncu-read.log" | sed 's/,.*Context.*//' | tee -a "$OUT/kernels.txt"

  if [[ -f "$DEV/baseline.jar" ]]; then
    echo "== baseline benchmark (commit $(cat "$DEV/baseline.jar.commit"))"
    "$java" -Xmx32g -cp "$DEV/baseline.jar:$(ls "$DEV"/lib/*.jar | paste -sd: -)" rft3d.bench.GpuBenchmark "$work/baseline" 2>&1 \
        | tee "$OUT/bench-baseline.log"
  fi

  echo "== benchmark"
  "$java" -Xmx32g -cp "$cp" rft3d.bench.GpuBenchmark "$work/bench" 2>&1 | tee "$OUT/bench.log"
  local bench_rc=${PIPESTATUS[0]}
  cp "$work/bench/java_results.md" "$OUT/" 2>/dev/null

  echo "== host profile (JFR, 40 calls each from boxes, strings and token ids): $OUT/host.jfr"
  "$java" -XX:StartFlightRecording=filename="$OUT/host.jfr",settings=profile -cp "$cp" rft3d.bench.GpuBenchmark "$work/jfr" --host-profile \
      > "$OUT/jfr.log" 2>&1 || tail -n 5 "$OUT/jfr.log"

  echo "== reward service on loopback (GPU engine)"
  "$java" -cp "$cp" rft3d.bench.ServiceBenchmark --engine gpu --clients 4 --seconds 10 2>&1 | tee "$OUT/service.log"

  echo "== Python references"
  : > "$OUT/python.jsonl"
  for f in "$work"/bench/*.bin; do
    [[ -z "${SKIP_PYTHON:-}" ]] || break
    [[ -e "$f" ]] || continue
    timeout 240 python3 bench/python/reference.py "$f" --loop-samples 8 | tee -a "$OUT/python.jsonl"
  done
  set -e

  echo
  echo "== summary ($(head -n1 "$OUT/device.txt"))"
  echo "GPU tests: rc=$tests_rc ($(grep -E 'tests (successful|failed|skipped)' "$OUT/tests.log" | tr -s ' ' | paste -sd, -))"
  echo "memcheck: rc=$memcheck_rc ($(grep -E 'ERROR SUMMARY' "$OUT/memcheck.log" | tail -n1))"
  [[ -f "$OUT/bench-baseline.log" ]] && { echo "baseline ($(cat "$DEV/baseline.jar.commit")):"; grep -E "^\||^\[bench\] [0-9]" "$OUT/bench-baseline.log"; echo "this build:"; }
  cat "$OUT/java_results.md" 2>/dev/null
  grep -E "^\[bench\] [0-9]|^\[bench\] host" "$OUT/bench.log" 2>/dev/null
  grep -E "^\|" "$OUT/service.log" 2>/dev/null
  python3 - "$OUT/python.jsonl" <<'PY'
import json, sys
print("| workload | Python loop ms (est. full batch, from N samples) | torch ms | loop TP mismatches | torch TP mismatches | torch max |Δ IoU| |")
print("|---|---|---|---|---|---|")
for line in open(sys.argv[1]):
    r = json.loads(line)
    name = r["file"].rsplit("/", 1)[-1][:-4]
    print(f"| {name} | {r['loop_ms_full_batch_estimate']:.0f} (from {r['loop_samples']}) | {r.get('torch_ms', float('nan')):.2f} | "
          f"{r['loop_tp_mismatches_vs_gpu']} | {r.get('torch_tp_mismatches_vs_gpu', '-')} | {r.get('torch_max_abs_diff_mean_iou_vs_gpu', float('nan')):.1e} |")
PY
  [[ $tests_rc -eq 0 && $memcheck_rc -eq 0 && $bench_rc -eq 0 ]]
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bash bench/gpu.sh prepare|run" >&2; exit 2 ;;
esac
