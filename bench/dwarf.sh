#!/usr/bin/env bash
# Source lines and inlined frames for thousands of addresses: the pure-Java DWARF reader
# (io.leakdetector.symbols.dwarf.DwarfInfo) against libdw (elfutils, what a JNA binding would
# call), GNU addr2line and eu-addr2line, on real debug files. Time and memory.
# Needs: gcc, objdump, addr2line, eu-addr2line and libdw1 (elfutils), libc6-dbg; python3.11-dbg
# adds two larger files when installed. The addresses are the call instructions of each file's
# code (each a return address - 1 away from what a stack walk gives).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -q -B -pl leak-bench -am package -DskipTests -Dspotless.check.skip=true
jar=leak-bench/target/benchmarks.jar
out=leak-bench/target/dwarf
mkdir -p "$out"
gcc -O2 -o "$out/libdw_lookup" bench/dwarf/libdw_lookup.c /usr/lib/x86_64-linux-gnu/libdw.so.1

debug_file() { # the build-id debug file of $1
  local id
  id=$(readelf -n "$1" | awk '/Build ID/ {print $3}')
  echo "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
}

run() { # name, file with code, file with DWARF
  local name=$1 code=$2 dwarf=$3
  [ -f "$dwarf" ] || { echo "== $name: $dwarf missing, skipped"; return; }
  objdump -d --no-show-raw-insn "$code" | awk '/^ +[0-9a-f]+:\tcall/ {sub(":", "", $1); print "0x" $1}' \
    > "$out/$name.addresses"
  shuf -n 5000 --random-source=<(yes) "$out/$name.addresses" > "$out/$name.sample"
  echo "== $name: $(wc -l < "$out/$name.addresses") call sites; $dwarf ($(du -h "$dwarf" | cut -f1))"
  java -cp "$jar" io.leakdetector.bench.DwarfLookup "$dwarf" "$out/$name.addresses"
  "$out/libdw_lookup" "$dwarf" "$out/$name.sample" | sed 's/^/(5000 sampled) /'
  /usr/bin/time -f "addr2line -i -f -C: %e s, peak RSS %M KB (all call sites, one process)" \
    addr2line -a -i -f -C -e "$dwarf" < "$out/$name.addresses" > /dev/null
  /usr/bin/time -f "eu-addr2line -i -f -C: %e s, peak RSS %M KB (5000 sampled)" \
    eu-addr2line -a -i -f -C -e "$dwarf" < "$out/$name.sample" > /dev/null
}

run libc /lib/x86_64-linux-gnu/libc.so.6 "$(debug_file /lib/x86_64-linux-gnu/libc.so.6)"
if [ -x /usr/bin/python3.11 ]; then
  run python3.11 /usr/bin/python3.11 "$(debug_file /usr/bin/python3.11)"
fi
if [ -x /usr/bin/python3.11d ]; then
  run python3.11d /usr/bin/python3.11d /usr/bin/python3.11d
fi
