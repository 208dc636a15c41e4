#!/usr/bin/env bash
# Benchmark of the uprobes source (not a test): a C malloc/free churn workload, with 0, 32 and 256
# idle threads beside the churning one, run untraced, traced by LeakDetector's BPF design and by
# its per-thread fallback (each feeding the real engine), and traced by `perf record -g` on the
# same uprobes, interleaved in rounds. Prints the workload's ops/s, the slowdown against the
# untraced runs around it, the tracer's CPU use, lost events, and LeakDetector's attach and detach
# times (the whole run's overhead besides the churn).
#
# Usage: bench/uprobes.sh [ROUNDS=3] [SECONDS=3] [extra source options, e.g. uprobes.placement=entry]
# Environment: IDLE="0 32 256" (idle thread counts), PER_THREAD_MAX_IDLE=256 (skip the fallback
# above this many idle threads: it opens threads × CPUs × 18 events).
# Needs root, gcc, maven (offline repo) and linux-perf. Leaves nothing behind: perf probe
# definitions are deleted and tracefs is unmounted again if this script mounted it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
SECS=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
EXTRA=("$@")
IDLE=${IDLE:-0 32 256}
PER_THREAD_MAX_IDLE=${PER_THREAD_MAX_IDLE:-256}
WORK=$(mktemp -d /tmp/uprobes-bench.XXXXXX)
MOUNTED_TRACEFS=0
PIDS=()

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  perf probe -q -d 'ldbench:*' >/dev/null 2>&1 || true
  if [ "$MOUNTED_TRACEFS" = 1 ]; then  # busy for a moment while killed tracers release it
    for _ in $(seq 50); do umount /sys/kernel/tracing 2>/dev/null && break; sleep 0.1; done
    grep -q ' /sys/kernel/tracing ' /proc/mounts && echo "could not unmount /sys/kernel/tracing" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so an interrupted run still cleans up (EXIT runs on that exit)

command -v perf >/dev/null || { echo "perf is missing (apt-get install linux-perf)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 2; }

echo "building…" >&2
gcc -O2 -fno-omit-frame-pointer -g -o "$WORK/churn" "$ROOT/leak-uprobes/src/test/c/churn.c"
(cd "$ROOT" && mvn -q -B -o -pl leak-uprobes -am test-compile -Dspotless.check.skip=true >&2)
JNA_VERSION=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' "$ROOT/pom.xml")
JNA=$(find "${MAVEN_REPO:-$HOME/.m2/repository}/net/java/dev/jna/jna-jpms/$JNA_VERSION" -name "jna-jpms-$JNA_VERSION.jar" | head -1)
[ -n "$JNA" ] || { echo "jna-jpms $JNA_VERSION is not in the local maven repository"; exit 2; }
CP="$ROOT/leak-uprobes/target/classes:$ROOT/leak-uprobes/target/test-classes"
CP="$CP:$ROOT/leak-api/target/classes:$ROOT/leak-symbols/target/classes:$JNA"
JAVA=(java -Xshare:auto -cp "$CP")

LIBC=$(readlink -f "$(ldd "$WORK/churn" | awk '/libc\.so/ {print $3}')")

# perf probes on the same instructions the source probes (entry at its placement, returns at +0)
if ! grep -q ' /sys/kernel/tracing ' /proc/mounts; then
  mount -t tracefs nodev /sys/kernel/tracing; MOUNTED_TRACEFS=1
fi
declare -A DELTA
while read -r sym delta; do DELTA[$sym]=$delta; done < <("${JAVA[@]}" io.leakdetector.uprobes.bench.UprobesBench plan "$LIBC")
for f in malloc calloc realloc free; do
  d=${DELTA[$f]:-0}
  spec="$f"; [ "$d" != 0 ] && spec="$f+$d"
  perf probe -q -x "$LIBC" -a "ldbench:${f}_e=$spec" >/dev/null
  [ "$f" != free ] && perf probe -q -x "$LIBC" -a "ldbench:${f}_r=$f%return" >/dev/null
done
echo "probes: free at +${DELTA[free]:-0}; malloc, calloc, realloc at +0 (entry and return)" >&2

start_churn() {  # sets CHURN; the workload (with K idle threads) waits for SIGUSR1, runs, exits
  : > "$WORK/churn.out"  # emptied here: the last run's "waiting" must not be taken for this one's
  "$WORK/churn" idle "$K" wait seconds "$SECS" > "$WORK/churn.out" 2>&1 &
  CHURN=$!
  PIDS+=("$CHURN")
  for _ in $(seq 200); do grep -q waiting "$WORK/churn.out" && break; sleep 0.01; done
}

ops_of() { awk '/^total ops\/s/ {print $3}' "$WORK/churn.out"; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

run_untraced() {
  start_churn; local p=$CHURN; kill -USR1 "$p"; wait "$p" || true; ops_of
}

run_leakdetector() {  # $1: bpf | per-thread; prints ops cpu% lost events/s attach_ms close_ms
  start_churn; local p=$CHURN
  "${JAVA[@]}" io.leakdetector.uprobes.bench.UprobesBench "$p" "uprobes.mode=$1" "${EXTRA[@]}" \
    > "$WORK/ld.out" 2>&1 &
  local j=$!; PIDS+=("$j")
  for _ in $(seq 30000); do grep -q attached "$WORK/ld.out" && break; sleep 0.01; done
  kill -USR1 "$p"; wait "$p" || true; wait "$j" || true
  local r; r=$(grep '^result' "$WORK/ld.out" || echo "result failed")
  field() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<< "$r"; }
  echo "$(ops_of) $(field cpu_percent) $(field lost) $(field events_per_s) $(field attach_ms) $(field close_ms)"
}

run_perf() {
  start_churn; local p=$CHURN
  perf record -g -e 'ldbench:*' -p "$p" -o "$WORK/perf.data" > "$WORK/perf.out" 2>&1 &
  local q=$!; PIDS+=("$q")
  sleep 3  # perf has no "ready" signal; opening 7 events on one thread is quick
  local c0; c0=$(ticks "$q"); local t0; t0=$(date +%s.%N)
  kill -USR1 "$p"; wait "$p" || true
  local c1; c1=$(ticks "$q"); local t1; t1=$(date +%s.%N)
  wait "$q" || true
  perf report -i "$WORK/perf.data" --stats > "$WORK/perf.stats" 2>/dev/null || true
  # "  LOST events:   12  ( 0.1%)": the number follows "events:" (aggregated section first)
  local lost; lost=$(awk '/^Aggregated/ {a=1} /stats:$/ {a=0} a && /LOST(_SAMPLES)? events:/ {for (i = 1; i < NF; i++) if ($i == "events:") s += $(i+1)} END {print s+0}' "$WORK/perf.stats")
  local samples; samples=$(awk '/ SAMPLE events:/ {for (i = 1; i < NF; i++) if ($i == "events:") {print $(i+1); exit}}' "$WORK/perf.stats")
  local cpu; cpu=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.1f", (b-a)/(t1-t0)}')
  echo "$(ops_of) $cpu $lost $(awk -v s="${samples:-0}" -v d="$SECS" 'BEGIN {printf "%.0f", s/d}')"
}

printf '%-5s %-6s %-13s %12s %9s %9s %8s %10s %9s %9s\n' idle round mode ops/s slowdown tool_cpu% lost events/s attach_ms close_ms
declare -A SUM
row() { printf '%-5s %-6s %-13s %12.0f %9s %9s %8s %10s %9s %9s\n' "$@"; }
for K in $IDLE; do
  for r in $(seq "$ROUNDS"); do
    b1=$(run_untraced)
    read -r bpf_ops bpf_cpu bpf_lost bpf_rate bpf_att bpf_close <<< "$(run_leakdetector bpf)"
    if [ "$K" -le "$PER_THREAD_MAX_IDLE" ]; then
      read -r pt_ops pt_cpu pt_lost pt_rate pt_att pt_close <<< "$(run_leakdetector per-thread)"
    else
      pt_ops=0
    fi
    read -r pf_ops pf_cpu pf_lost pf_rate <<< "$(run_perf)"
    b2=$(run_untraced)
    base=$(awk -v a="$b1" -v b="$b2" 'BEGIN {print (a+b)/2}')
    slow() { awk -v b="$base" -v o="$1" 'BEGIN {if (o > 0) printf "%.0f", b/o; else print "-"}'; }
    s_bpf=$(slow "$bpf_ops"); s_pt=$(slow "$pt_ops"); s_pf=$(slow "$pf_ops")
    row "$K" "$r" untraced "$b1" 1 - - - - -
    row "$K" "$r" "ld bpf" "$bpf_ops" "${s_bpf}x" "$bpf_cpu" "$bpf_lost" "$bpf_rate" "$bpf_att" "$bpf_close"
    if [ "$pt_ops" != 0 ]; then
      row "$K" "$r" "ld per-thread" "$pt_ops" "${s_pt}x" "$pt_cpu" "$pt_lost" "$pt_rate" "$pt_att" "$pt_close"
    fi
    row "$K" "$r" "perf record" "$pf_ops" "${s_pf}x" "$pf_cpu" "$pf_lost" "$pf_rate" - -
    row "$K" "$r" untraced "$b2" 1 - - - - -
    SUM[$K,bpf]="${SUM[$K,bpf]:-} $s_bpf"; SUM[$K,pt]="${SUM[$K,pt]:-} $s_pt"
    SUM[$K,perf]="${SUM[$K,perf]:-} $s_pf"; SUM[$K,bpfwhole]="${SUM[$K,bpfwhole]:-} $((bpf_att + bpf_close))"
  done
done
echo
for K in $IDLE; do
  awk -v k="$K" -v b="${SUM[$K,bpf]}" -v t="${SUM[$K,pt]}" -v p="${SUM[$K,perf]}" -v w="${SUM[$K,bpfwhole]}" '
    function mean(s,   a, n, i, x) { n = split(s, a, " "); x = 0; c = 0
      for (i = 1; i <= n; i++) if (a[i] != "-") { x += a[i]; c++ } return c ? x / c : 0 }
    BEGIN { printf "idle %-4s mean slowdown: bpf %.0fx, per-thread %s, perf record -g %.0fx (bpf/perf %.2f); bpf attach+detach %.0f ms\n",
      k, mean(b), (mean(t) > 0 ? sprintf("%.0fx", mean(t)) : "skipped"), mean(p), mean(b) / mean(p), mean(w) }'
done
