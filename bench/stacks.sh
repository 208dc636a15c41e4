#!/usr/bin/env bash
# Benchmark of stack unwinding on the traced side (not a test): the churn workload churning 20
# calls deep, built with frame pointers (and with -fomit-frame-pointer), run untraced and traced by
# the BPF design with --unwind fp, auto and dwarf at the default stack copy (and auto with other
# copies), interleaved in rounds. Prints ops/s, the slowdown against the untraced runs around it,
# the reader's CPU, lost events, the stack bytes copied per second and the reader's unwinding time
# per event.
#
# Usage: bench/stacks.sh [ROUNDS=3] [SECONDS=3]
# Environment: MODES="fp auto dwarf" (unwind modes at the default copy), COPIES="1024 16384"
# (extra auto runs with these copies), BUILDS="fp nofp".
# Needs root, gcc and maven (offline repo). Leaves nothing behind.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
SECS=${2:-3}
COPIES=${COPIES-1024 16384}
MODES=${MODES:-fp auto dwarf}
BUILDS=${BUILDS:-fp nofp}
WORK=$(mktemp -d /tmp/stacks-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "run as root"; exit 2; }

echo "building…" >&2
gcc -O2 -fno-omit-frame-pointer -g -o "$WORK/churn-fp" "$ROOT/leak-uprobes/src/test/c/churn.c"
gcc -O2 -fomit-frame-pointer -g -o "$WORK/churn-nofp" "$ROOT/leak-uprobes/src/test/c/churn.c"
(cd "$ROOT" && mvn -q -B -o -pl leak-uprobes -am test-compile -Dspotless.check.skip=true >&2)
JNA_VERSION=$(sed -n 's:.*<jna.version>\(.*\)</jna.version>.*:\1:p' "$ROOT/pom.xml")
JNA=$(find "${MAVEN_REPO:-$HOME/.m2/repository}/net/java/dev/jna/jna-jpms/$JNA_VERSION" -name "jna-jpms-$JNA_VERSION.jar" | head -1)
XZ=$(find "${MAVEN_REPO:-$HOME/.m2/repository}/org/tukaani/xz" -name 'xz-*.jar' | head -1)
CP="$ROOT/leak-uprobes/target/classes:$ROOT/leak-uprobes/target/test-classes"
CP="$CP:$ROOT/leak-api/target/classes:$ROOT/leak-symbols/target/classes:$JNA:$XZ"
JAVA=(java -Xshare:auto -cp "$CP")

start_churn() {  # $1: binary; sets CHURN
  : > "$WORK/churn.out"
  "$1" depth 20 wait seconds "$SECS" > "$WORK/churn.out" 2>&1 &
  CHURN=$!
  PIDS+=("$CHURN")
  for _ in $(seq 200); do grep -q waiting "$WORK/churn.out" && break; sleep 0.01; done
}
ops_of() { awk '/^total ops\/s/ {print $3}' "$WORK/churn.out"; }
run_untraced() { start_churn "$1"; kill -USR1 "$CHURN"; wait "$CHURN" || true; ops_of; }
run_traced() {  # $1 binary, then source options; prints ops cpu% lost stack_mib/s unwind_ns
  local bin=$1; shift
  start_churn "$bin"; local p=$CHURN
  "${JAVA[@]}" io.leakdetector.uprobes.bench.UprobesBench "$p" uprobes.mode=bpf "$@" > "$WORK/ld.out" 2>&1 &
  local j=$!; PIDS+=("$j")
  for _ in $(seq 30000); do grep -q attached "$WORK/ld.out" && break; sleep 0.01; done
  kill -USR1 "$p"; wait "$p" || true; wait "$j" || true
  local r; r=$(grep '^result' "$WORK/ld.out" || echo "result failed")
  field() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<< "$r"; }
  echo "$(ops_of) $(field cpu_percent) $(field lost) $(field stack_mib_per_s) $(field unwind_ns)"
}

printf '%-6s %-5s %-22s %12s %9s %9s %8s %10s %10s\n' build round mode ops/s slowdown reader% lost stackMiB/s unwind_ns
declare -A SUM
for build in $BUILDS; do
  bin="$WORK/churn-$build"
  read -r -a modes <<< "$MODES"
  for c in $COPIES; do modes+=("auto:$c"); done
  for r in $(seq "$ROUNDS"); do
    b1=$(run_untraced "$bin")
    declare -A RES=()
    for m in "${modes[@]}"; do
      opts=("uprobes.unwind=${m%%:*}")
      [[ "$m" == *:* ]] && opts+=("uprobes.stack-copy=${m#*:}")
      RES[$m]=$(run_traced "$bin" "${opts[@]}")
    done
    b2=$(run_untraced "$bin")
    base=$(awk -v a="$b1" -v b="$b2" 'BEGIN {print (a+b)/2}')
    printf '%-6s %-5s %-22s %12.0f %9s\n' "$build" "$r" untraced "$base" 1
    for m in "${modes[@]}"; do
      read -r ops cpu lost mib ns <<< "${RES[$m]}"
      slow=$(awk -v b="$base" -v o="$ops" 'BEGIN {if (o > 0) printf "%.1f", b/o; else print "-"}')
      printf '%-6s %-5s %-22s %12.0f %9s %9s %8s %10s %10s\n' "$build" "$r" "$m" "$ops" "${slow}x" "$cpu" "$lost" "$mib" "$ns"
      SUM[$build,$m]="${SUM[$build,$m]:-} $slow"
    done
  done
done
echo
for build in $BUILDS; do
  line="$build build, mean slowdown:"
  for m in $MODES $(for c in $COPIES; do echo "auto:$c"; done); do
    line="$line $m $(awk -v s="${SUM[$build,$m]}" 'BEGIN {n = split(s, a, " "); x = 0; for (i = 1; i <= n; i++) x += a[i]; printf "%.1fx", n ? x / n : 0}')"
  done
  echo "$line"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
