#!/usr/bin/env bash
# Builds leak-bench and runs the unwinding benchmarks, then prints the figures: nanoseconds per
# unwound stack in the reader (stacks recorded from C fixtures compiled with gcc: 19-21 frames
# without frame pointers through libc's qsort, and 7 frames of frame-pointer code around a library
# without), bytes allocated per unwind, and per module the CFI table's size and build time
# (libc, libstdc++, python3.11). Needs gcc. Takes about two minutes.
# Extra arguments go to every JMH run (e.g. -f 3 for more forks).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -B -pl leak-bench -am package -DskipTests -Dspotless.check.skip=true
jar=leak-bench/target/benchmarks.jar
out=leak-bench/target/jmh
mkdir -p "$out"

jmh() {
  local name=$1
  shift
  java -jar "$jar" "$@" -rf csv -rff "$out/$name.csv" > "$out/$name.log" 2>&1 || { tail -30 "$out/$name.log"; exit 1; }
  grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)|frames|FDEs' "$out/$name.log" | sort -u || true
}

echo "== unwinding one stack (ns), bytes allocated per unwind"
jmh unwind 'UnwindBenchmark' -prof gc "$@"
echo "== compiling a module's CFI table: warm (ms per build), then cold (first build in a fresh JVM)"
jmh cfi-warm 'CfiTableBenchmark' "$@"
jmh cfi-cold 'CfiTableBenchmark' -bm ss -wi 0 -i 1 -f 5 -tu ms "$@"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(java -version 2>&1 | head -1)"
