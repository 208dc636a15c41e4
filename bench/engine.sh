#!/usr/bin/env bash
# Builds leak-bench and runs the engine's JMH benchmarks, then prints the figures:
# events per second (70/30 mixed stream and steady churn), bytes allocated per event,
# snapshot time for 100 000 stacks, Java heap per outstanding allocation at 1 M and 10 M,
# and the machine's memory latency for context.
# Takes about four minutes. Extra arguments go to every JMH run (e.g. -f 3 for more forks).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -B -pl leak-bench -am package -DskipTests -Dspotless.check.skip=true
jar=leak-bench/target/benchmarks.jar
out=leak-bench/target/jmh
mkdir -p "$out"
# The event benchmarks append their events per CPU-second here (see CpuClock).
export LEAKDETECTOR_BENCH_CPU_LOG="$PWD/$out/cpu.txt"
rm -f "$LEAKDETECTOR_BENCH_CPU_LOG"

jmh() {
  local name=$1
  shift
  java -jar "$jar" "$@" -rf csv -rff "$out/$name.csv" > "$out/$name.log" 2>&1 || { tail -30 "$out/$name.log"; exit 1; }
  grep -E '^(Benchmark|[A-Za-z]+Benchmark\.|lock held)' "$out/$name.log" || true
}

echo "== events: 70 % alloc / 30 % free from 1 000 000 live blocks, 10 000 stacks of 16-32 frames"
jmh mixed 'EngineEventsBenchmark\.mixed' "$@"
echo "== events: steady churn at 1 000 000 live blocks (batch 1 = the lock taken per event)"
jmh churn 'EngineEventsBenchmark\.churn' -prof gc "$@"
echo "== events: steady churn at 10 000 live blocks (the table fits in the cache: compute cost alone)"
jmh churn-small 'EngineEventsBenchmark\.churn' -p live=10000 -p batch=1000 "$@"
echo "== snapshot of 100 000 stacks, 1 000 000 live blocks"
jmh snapshot 'SnapshotBenchmark' "$@"
echo "== memory latency of this machine (context for the events/s figures)"
latency=$(java -Xmx1g -cp "$jar" io.leakdetector.bench.MemoryLatency)
echo "$latency"
echo "== Java heap per outstanding allocation"
footprint=$(java -Xmx6g -cp "$jar" io.leakdetector.bench.EngineFootprint)
echo "$footprint"

# "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit"[,"Param: …"…]
# Rows are picked by benchmark name and the value of their first parameter.
row() { awk -F, -v b="$2" -v p="$3" '{gsub(/["\r]/, "")} $1 == b && (p == "" || $8 == p) {print $5, $6, $7}' "$out/$1.csv"; }

echo
echo "== Summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1))"
read -r ns err _ < <(row mixed io.leakdetector.bench.EngineEventsBenchmark.mixed 1000)
awk -v ns="$ns" -v err="$err" 'BEGIN {printf "mixed 70/30, batch 1000:   %.1f M events/s (%.1f ± %.1f ns/event)\n", 1000/ns, ns, err}'
for batch in 1 1000; do
  read -r ops err _ < <(row churn io.leakdetector.bench.EngineEventsBenchmark.churn "$batch")
  read -r norm _ < <(row churn io.leakdetector.bench.EngineEventsBenchmark.churn:gc.alloc.rate.norm "$batch")
  awk -v o="$ops" -v e="$err" -v n="$norm" -v b="$batch" 'BEGIN {printf "steady churn at 1 M live, batch %-5s %.1f ± %.1f M events/s, %.3f bytes allocated/event\n", b ":", o/1e6, e/1e6, n}'
done
read -r ops err _ < <(row churn-small io.leakdetector.bench.EngineEventsBenchmark.churn 1000)
awk -v o="$ops" -v e="$err" 'BEGIN {printf "steady churn at 10 k live (table in cache), batch 1000: %.1f ± %.1f M events/s\n", o/1e6, e/1e6}'
# cpu NAME… EVENTS CPU_NANOS
awk '{name = $2; for (i = 3; i <= NF - 2; i++) name = name " " $i
  printf "%s: %.1f M events per CPU-second of the benchmark thread\n", name, $(NF - 1) / ($NF / 1e3)}' "$LEAKDETECTOR_BENCH_CPU_LOG"
for bench in allStacks topByCount topByGrowthPeriodic; do
  read -r ms err _ < <(row snapshot "io.leakdetector.bench.SnapshotBenchmark.$bench" "")
  held=$(grep -A2000 "SnapshotBenchmark.$bench" "$out/snapshot.log" | grep -m1 'lock held' || true)
  printf 'snapshot of 100 000 stacks, %-20s %.3f ± %.3f ms; %s\n' "$bench:" "$ms" "$err" "$held"
done
echo "$footprint" | sed 's/^/footprint: /'
echo "$latency" | sed 's/^/machine: /'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
