#!/usr/bin/env bash
# Benchmark of tracing a JVM (not a test): bench/java/NativeChurn.java, THREADS threads churning
# native memory (Deflater and Inflater created and ended, direct buffers of a pool replaced and
# freed at once; every 1000th Deflater kept), a fixed amount of work after a warm-up, run
# untraced, traced from outside by the CLI (leakdetector -p PID), self-traced (the workload embeds
# the library: LeakDetector.builder().self()) and under async-profiler 4.2's nativemem agent (every
# call, JFR output: the output that records frees too), interleaved in rounds, without and with
# -XX:+PreserveFramePointer. Prints ops/s, the slowdown against the untraced runs around them, the
# tracer's CPU during the measured phase (outside: the leakdetector process, all its threads; self:
# the detector's threads in the workload; async-profiler runs on the allocating threads, so its
# cost is in the slowdown only), lost events, and the final report's allocations, frees and
# outstanding allocations (the leak: OPS/1000 Deflaters per thread, each several blocks).
#
# Usage: bench/java.sh [ROUNDS=2] [OPS=200000 per thread]
# Environment: THREADS=2, MODES="outside self asprof", FRAME_POINTERS="off on",
# MAVEN_REPO (the local maven repository; default ~/.m2/repository).
# Needs root and maven (offline repo); builds the distribution when it is missing. Leaves nothing
# behind.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-2}
OPS=${2:-200000}
THREADS=${THREADS:-2}
MODES=${MODES:-outside self asprof}
FRAME_POINTERS=${FRAME_POINTERS:-off on}
REPO=${MAVEN_REPO:-$HOME/.m2/repository}
DIST=$ROOT/leak-cli/target/leakdetector
AP_JAR=$REPO/tools/profiler/async-profiler/4.2/async-profiler-4.2.jar
WORK=$(mktemp -d /tmp/java-bench.XXXXXX)
# The runs start their processes inside $(...) subshells, so their pids go to a file, not a variable.
remember() { echo "$1" >> "$WORK/pids"; }
cleanup() {
  if [ -f "$WORK/pids" ]; then xargs -r kill -9 < "$WORK/pids" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" != 0 ]; then echo "run as root"; exit 2; fi
[ -f "$AP_JAR" ] || { echo "async-profiler 4.2 is not in $REPO (mvn dependency:get -Dartifact=tools.profiler:async-profiler:4.2)"; exit 2; }
case $(uname -m) in
  x86_64) AP_DIR=linux-x64 ;;
  aarch64) AP_DIR=linux-arm64 ;;
  *) echo "async-profiler has no agent for $(uname -m)"; exit 2 ;;
esac

echo "building…" >&2
if [ ! -x "$DIST/bin/leakdetector" ]; then
  (cd "$ROOT" && mvn -q -B -o -Dmaven.repo.local="$REPO" -DskipTests -Dspotless.check.skip=true \
    package -pl leak-cli -am >&2)
fi
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" -cp "$DIST/lib/*" "$ROOT/bench/java/NativeChurn.java" > "$WORK/javac.out" 2>&1 ||
  { cat "$WORK/javac.out"; exit 1; }
(cd "$WORK" && unzip -q -o "$AP_JAR" "$AP_DIR/libasyncProfiler.so")
AGENT=$WORK/$AP_DIR/libasyncProfiler.so

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
field() { grep -o "\"$1\":[0-9]*" "$2" | head -1 | cut -d: -f2; }  # first: the totals' come first

start_churn() {  # $1: fp flag, then extra JVM options and arguments after the class; sets CHURN
  local fp=$1; shift
  rm -f "$WORK/go"; : > "$WORK/churn.out"
  java $fp "$@" > "$WORK/churn.out" 2>&1 &
  CHURN=$!
  remember "$CHURN"
  for _ in $(seq 6000); do grep -q '^waiting' "$WORK/churn.out" && return; sleep 0.01; done
  echo "the workload did not start:" >&2; cat "$WORK/churn.out" >&2; exit 1
}
ops_of() { sed -nE 's/^result ops_per_s=([0-9]+).*/\1/p' "$WORK/churn.out"; }
ARGS=(NativeChurn "$THREADS" "$OPS" "$WORK/go")

run_untraced() {  # $1 fp flag; prints ops
  start_churn "$1" -cp "$WORK/classes" "${ARGS[@]}"
  touch "$WORK/go"; wait "$CHURN" || true; ops_of
}

run_outside() {  # prints ops cpu% lost allocs frees outstanding
  start_churn "$1" -cp "$WORK/classes" "${ARGS[@]}"; local p=$CHURN
  rm -f "$WORK/ld.json"
  "$DIST/bin/leakdetector" -p "$p" -T 3 --debuginfod off --format json -o "$WORK/ld.json" \
    > "$WORK/ld.out" 2> "$WORK/ld.err" &
  local j=$!; remember "$j"
  for _ in $(seq 6000); do
    grep -q 'tracing pid' "$WORK/ld.err" && break
    kill -0 "$j" 2>/dev/null || { echo "leakdetector failed:" >&2; cat "$WORK/ld.err" >&2; touch "$WORK/go"; wait "$p"; echo "0 - - - - -"; return; }
    sleep 0.01
  done
  local c0; c0=$(ticks "$j"); local t0; t0=$(date +%s.%N)
  touch "$WORK/go"; wait "$p" || true
  local c1; c1=$(ticks "$j"); local t1; t1=$(date +%s.%N)
  wait "$j" || { echo "leakdetector failed:" >&2; cat "$WORK/ld.err" >&2; }
  local cpu; cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", 100 * (b-a) / hz / (t1-t0)}')
  local f=$WORK/ld.json
  echo "$(ops_of) $cpu $(field lostEvents "$f") $(field allocCount "$f") $(field freeCount "$f") $(field outstandingCount "$f")"
}

run_self() {
  start_churn "$1" -cp "$WORK/classes:$DIST/lib/*" "${ARGS[@]}" self
  touch "$WORK/go"; wait "$CHURN" || true
  local s; s=$(grep '^self ' "$WORK/churn.out" || echo "self failed")
  [ "$s" = "self failed" ] && cat "$WORK/churn.out" >&2
  v() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<< "$s"; }
  echo "$(ops_of) $(v reader_cpu_percent) $(v lost) $(v allocs) $(v frees) $(v outstanding)"
}

run_asprof() {
  start_churn "$1" "-agentpath:$AGENT=start,nativemem=0,jfr,file=$WORK/ap.jfr" -cp "$WORK/classes" "${ARGS[@]}"
  touch "$WORK/go"; wait "$CHURN" || true
  local mib; mib=$(du -m "$WORK/ap.jfr" 2>/dev/null | cut -f1); rm -f "$WORK/ap.jfr"
  echo "$(ops_of) - - - - - ${mib:-?}"
}

# Raw rows (fp round mode ops tracer% lost allocs frees outstanding), then one table from them.
ROWS=$WORK/rows
for fpmode in $FRAME_POINTERS; do
  fp=-XX:-PreserveFramePointer; [ "$fpmode" = on ] && fp=-XX:+PreserveFramePointer
  for r in $(seq "$ROUNDS"); do
    echo "$fpmode $r untraced $(run_untraced "$fp") - - - - -" >> "$ROWS"
    for m in $MODES; do
      read -r ops cpu lost allocs frees outst jfr <<< "$("run_$m" "$fp")"
      [ -n "${jfr:-}" ] && JFR_SIZES="${JFR_SIZES:-}${JFR_SIZES:+, }${jfr} MiB"
      echo "$fpmode $r $m ${ops:-0} $cpu $lost $allocs $frees $outst" >> "$ROWS"
    done
    echo "$fpmode $r untraced $(run_untraced "$fp") - - - - -" >> "$ROWS"
  done
done
# The slowdown of a run is against the mean of the two untraced runs around it.
awk '
  function mean(key) { return n[key] ? sum[key] / n[key] : 0 }
  $3 == "untraced" { base[$1 " " $2] += $4 / 2 }
  { row[NR] = $0 }
  END {
    printf "%-4s %-5s %-9s %10s %9s %9s %8s %12s %12s %12s\n", "fp", "round", "mode", "ops/s", "slowdown", "tracer%", "lost", "allocs", "frees", "outstanding"
    for (i = 1; i <= NR; i++) {
      split(row[i], f, " "); key = f[1] " " f[2]
      if (f[3] == "untraced") { if (seen[key]++) continue; f[4] = base[key] }
      slow = f[4] > 0 ? base[key] / f[4] : 0  # a failed run (0 ops/s) shows 0.0x, left out of the means
      printf "%-4s %-5s %-9s %10.0f %8.1fx %9s %8s %12s %12s %12s\n", f[1], f[2], f[3], f[4], slow, f[5], f[6], f[7], f[8], f[9]
      if (f[3] != "untraced" && f[4] > 0) { sum[f[1] " " f[3]] += slow; n[f[1] " " f[3]]++; if (!(f[3] in m)) { m[f[3]]; order[++k] = f[3] } }
      if (!(f[1] in fps)) { fps[f[1]]; fporder[++nf] = f[1] }
    }
    print ""
    for (j = 1; j <= nf; j++) {
      line = "PreserveFramePointer " fporder[j] ", mean slowdown:"
      for (q = 1; q <= k; q++) line = line sprintf(" %s %.1fx", order[q], mean(fporder[j] " " order[q]))
      print line
    }
  }' "$ROWS"
[ -n "${JFR_SIZES:-}" ] && echo "async-profiler's JFR recordings: $JFR_SIZES"
echo "$THREADS threads x $OPS ops; load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; $(java -version 2>&1 | head -1)"
