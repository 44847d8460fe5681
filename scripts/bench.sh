#!/usr/bin/env bash
# Builds the benchmarks and runs them briefly (well under two minutes), then prints the
# figures quoted in notes: replay throughput and the tracker's per-moment latency tail.
# BUILD_DIR (default build) and MIN_TIME (seconds per benchmark, default 0.5) can be set.
# The figures depend on what else the machine is doing, so the load is printed with them.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${BUILD_DIR:-build}"
MIN_TIME="${MIN_TIME:-0.5}"
# Configure every time (cheap on an existing tree): a tree configured before a bench file was
# added would not know its target yet.
build_type=()
[ -f "$BUILD_DIR/CMakeCache.txt" ] || build_type=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
cmake -S . -B "$BUILD_DIR" "${build_type[@]}" -DP2A_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target replay_bench tracker_bench

out="$BUILD_DIR/bench"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
"$out/replay_bench" --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$out/replay.json" --benchmark_out_format=json
"$out/tracker_bench" --benchmark_min_time="$MIN_TIME" \
  --benchmark_out="$out/tracker.json" --benchmark_out_format=json
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# The value of counter KEY in the first benchmark of FILE whose name starts with PREFIX
# (Google Benchmark's JSON puts one field per line).
value() {
  awk -v want="$2" -v key="\"$3\":" '
    /"name":/ { split($0, a, "\""); name = a[4] }
    index(name, want) == 1 && $1 == key { v = $2; sub(/,$/, "", v); print v; found = 1; exit }
    END { if (!found) print "nan" }' "$1"
}
fmt() { printf "%.${2:-1f}" "$1" 2>/dev/null || printf "%s" "$1"; }

replay_json="$out/replay.json"
tracker_json="$out/tracker.json"
echo
echo "== summary ($(nproc) cores; load average before $load_before, after $load_after) =="
for model in 0 1; do
  for r in tracker seed; do
    [ "$r" = tracker ] && arg=1 || arg=0
    [ "$model" = 0 ] && what="no model" || what="sim model 0.5"
    h=$(value "$replay_json" "BM_Replay/tracker:$arg/sim:$model" session_h_per_cpu_s)
    d=$(value "$replay_json" "BM_Replay/tracker:$arg/sim:$model" decisions_per_cpu_s)
    echo "replay ($r, $what): $(fmt "$h") session-hours per CPU-second" \
      "($(fmt "$d" 0f) decisions per CPU-second)"
  done
done
line="tracker per-moment update p99:"
tail_line="  (p50 / p99 / max:"
for n in 10 20 30; do
  name="BM_TrackerOnPairLatency/steps:$n/"
  line+=" $n steps $(fmt "$(value "$tracker_json" "$name" p99_us)") us,"
  tail_line+=" $n steps"
  for key in p50_us p99_us max_us; do
    tail_line+=" $(fmt "$(value "$tracker_json" "$name" "$key")") /"
  done
  tail_line="${tail_line% /} us;"
done
echo "${line%,}"
echo "${tail_line%;})"
filter="filter predict+observe mean CPU time:"
for n in 10 20 30; do
  ns=$(value "$tracker_json" "BM_FilterPredictObserve/steps:$n" cpu_time)
  filter+=" $n steps $(fmt "$ns") us,"
done
echo "${filter%,}"
