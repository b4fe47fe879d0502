#!/usr/bin/env bash
# Re-runs issue #10's reproductions against a real `./rft serve` on loopback and prints a table of what was
# tried, the limit and the outcome (bench/RESULTS.md). Bounded: every client stops by itself.
# Run from the repository root after `mvn -q -B package -DskipTests`.
set -uo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-8711}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
./rft serve --port "$port" --engine cpu --workers 2 --queue 4 --timeout-s 3 --read-timeout-s 5 > "$work/serve.log" 2>&1 &
for _ in $(seq 50); do curl -s -m1 "127.0.0.1:$port/health" > /dev/null && break; sleep 0.2; done
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
status() { curl -s -o "$work/body" -w '%{http_code}' -m "${2:-20}" "$@" 2>/dev/null; }
post() { curl -s -o "$work/body" -w '%{http_code} in %{time_total}s' -m 30 -H 'Content-Type: application/json' \
  --data-binary "@$1" "127.0.0.1:$port$2"; }

echo "| what was tried | limit | outcome |"
echo "|---|---|---|"

# 1. Slow clients: 16 connections send one byte and stall.
for i in $(seq 16); do (exec 3<>/dev/tcp/127.0.0.1/$port; printf P >&3; sleep 8) & done
sleep 0.5
t=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' -m 10 "127.0.0.1:$port/health")
row "16 connections send 1 byte and stall; then GET /health" "read timeout 5 s, no thread per client" "/health $t"
(exec 3<>/dev/tcp/127.0.0.1/$port; printf 'POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab' >&3; timeout 10 cat <&3 | head -1 > "$work/slow") 
row "a body that stops after 2 of 100 bytes" "read timeout 5 s" "$(tr -d '\r' < "$work/slow")"

# 2-3. Overload and timeouts: 12 concurrent 1,400-box rotated requests against 2 workers, 4 queued, 3 s.
python3 - "$work/load.json" <<'PY'
import json, math, random, sys
random.seed(1)
def box(): return [random.uniform(-3, 3), random.uniform(-3, 3), random.uniform(0, 3), 1, 1, 1, random.uniform(-3, 3), 0.3, 0.2]
n = 1400
preds = "[\n" + ",\n".join(json.dumps({"label": "a", "bbox_3d": box()}) for _ in range(n)) + "\n]"
body = {"task": "detection", "completions": ["<think>.</think><answer>" + preds + "</answer>"] * 8,
        "gt": [{"boxes": [{"label": "a", "bbox_3d": box()} for _ in range(n)]}] * 8}
json.dump(body, open(sys.argv[1], "w"))
PY
for i in $(seq 12); do (post "$work/load.json" /v1/rewards > "$work/big.$i") & done
sleep 0.5
t=$(curl -s -o /dev/null -w '%{http_code} in %{time_total}s' -m 10 "127.0.0.1:$port/health")
wait_all() { for f in "$work"/big.*; do while [[ ! -s $f ]]; do sleep 0.2; done; done; }
wait_all
codes=$(cut -d' ' -f1 "$work"/big.* | sort | uniq -c | tr -s ' ' | paste -sd, -)
row "12 concurrent requests of 8 x 1,400 x 1,400 rotated boxes" "2 workers, queue 4, timeout 3 s" "statuses: $codes; /health meanwhile $t"
echo '{"task": "mc", "completions": ["<think>.</think><answer>B</answer>"], "gt": [{"answer": "B"}]}' > "$work/small.json"
t=$(post "$work/small.json" /v1/rewards)
row "a small request right after the 504s" "timed-out scoring is cancelled, workers free" "$t"

# 4. A request asking for 4,096 x 200,000 box pairs.
python3 - "$work/huge.json" <<'PY'
import json, sys
preds = "[\n" + ",\n".join('{"label": "a", "bbox_3d": [0,0,0,1,1,1,0,0,0]}' for _ in range(4096)) + "\n]"
gt = {"boxes": [{"label": "a", "bbox_3d": [0, 0, 0, 1, 1, 1]}] * 200000}
json.dump({"task": "detection", "completions": ["<think>.</think><answer>" + preds + "</answer>"], "gt": [gt]}, open(sys.argv[1], "w"))
PY
t=$(post "$work/huge.json" /v1/rewards)
row "one 11 MB request: 4,096 predicted x 200,000 GT boxes" "2^25 pairs per request (--max-pairs)" "$t: $(head -c 120 "$work/body")"

# 5. A host name that only looks like loopback.
out=$(./rft serve --port $((port + 1)) --host 127.attacker.invalid 2>&1 | grep -v '^\[rft3d\]' | head -1)
row "--host 127.attacker.invalid, no token" "the resolved address must be loopback" "${out:0:110}"

# 6. Huge finite rewards.
echo '{"rewards": [1e300, 0], "group_size": 2}' > "$work/adv.json"
t=$(post "$work/adv.json" /v1/advantages)
row "advantages of [1e300, 0]" "finite in, finite and correct out" "$t: $(cat "$work/body")"

# 7. Smaller ones.
echo '{"rewards": [1, 2], "group_size": 2.5}' > "$work/g.json"; t=$(post "$work/g.json" /v1/advantages)
row "group_size 2.5" "integers only" "$t: $(cat "$work/body")"
printf '{"rewards": [1, 2], "group_size": 2} trailing' > "$work/tr.json"; t=$(post "$work/tr.json" /v1/advantages)
row "text after the JSON body" "one JSON value" "$t: $(head -c 100 "$work/body")"
t=$( (exec 3<>/dev/tcp/127.0.0.1/$port; printf 'POST /v1/rewards HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' >&3; timeout 5 head -1 <&3 | tr -d '\r') )
row "a malformed chunked body" "every request gets an answer" "$t"
out=$(./rft serve --port "$port" 2>&1 | grep -v '^\[rft3d\]' | head -1)
row "a second server on the same port" "the error names the address" "${out:0:100}"
echo x > "$work/tok"; chmod 644 "$work/tok"
out=$(./rft serve --port $((port + 2)) --host 0.0.0.0 --token-file "$work/tok" 2>&1 | grep -v '^\[rft3d\]' | head -1)
row "a 1-character, world-readable token file" ">= 16 characters, mode 600" "${out:0:110}"

# 8-10. The command line.
printf '%s\n' '{"completion": "<think>.</think><answer>B</answer>", "gt": {"answer": "B"}}' > "$work/in.jsonl"
./rft reward --task mc --input "$work/in.jsonl" --output "$work/in.jsonl" > /dev/null 2>&1; rc=$?
row "./rft reward --output = --input" "refused before opening" "exit $rc, input $(wc -l < "$work/in.jsonl") line(s) kept"
printf '%s\n\n%s\n' '{"completion": "B", "gt": {"answer": "B"}}' '{"completion": "B", "gt": {"answer": "B"}}' > "$work/blank.jsonl"
printf '{"completion": "\xff", "gt": {"answer": "B"}}\n' >> "$work/blank.jsonl"
./rft reward --task mc --input "$work/blank.jsonl" --output "$work/out.jsonl" > /dev/null 2>&1
row "blank line and an invalid UTF-8 byte among good lines" "one output line per input line" "$(wc -l < "$work/out.jsonl") lines out for 4 in: $(cut -c1-40 "$work/out.jsonl" | paste -sd'|' -)"
