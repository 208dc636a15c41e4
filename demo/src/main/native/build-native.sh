#!/bin/sh
# Builds the native demo program from demo.c:
#   OUT/demo      with the C compiler for this machine (CC, default gcc), on Linux
#   OUT/demo.exe  with the mingw-w64 cross compiler (MINGW_CC, default x86_64-w64-mingw32-gcc)
# and copies each into RESOURCES/io/leakdetector/demo/native/<os>-<arch>/ for the demo jar.
# A missing compiler is not an error: it prints one message saying what was not built and how to
# get it, and the build of the Java modules goes on. A compiler that fails on the source is an
# error. Usage: build-native.sh SOURCE OUT RESOURCES
set -u

src=$1
out=$2
resources=$3
cc=${CC:-gcc}
mingw_cc=${MINGW_CC:-x86_64-w64-mingw32-gcc}
flags="-O1 -g -fno-omit-frame-pointer -Wall -Wextra"
native=$resources/io/leakdetector/demo/native

mkdir -p "$out" || exit 1

have() {
  command -v "$1" >/dev/null 2>&1
}

os=$(uname -s 2>/dev/null || echo unknown)
arch=$(uname -m 2>/dev/null || echo unknown)
case "$arch" in
  amd64) arch=x86_64 ;;
  arm64) arch=aarch64 ;;
esac

if [ "$os" != "Linux" ]; then
  rm -f "$out/demo"
  echo "[demo] NOTE: the native demo is built on Linux; this is $os, so demo was not built."
elif have "$cc"; then
  rm -f "$out/demo"
  if ! "$cc" $flags -o "$out/demo" "$src"; then
    echo "[demo] ERROR: $cc could not compile $src" >&2
    exit 1
  fi
  mkdir -p "$native/linux-$arch" && cp "$out/demo" "$native/linux-$arch/demo" || exit 1
  echo "[demo] built $out/demo with $cc"
else
  rm -f "$out/demo" "$native/linux-$arch/demo"
  echo "[demo] WARNING: no C compiler ($cc) on the PATH, so the native demo program was not built;" \
    "the Java modules build without it. To get it: apt-get install gcc libc6-dev (or set CC), then rebuild."
fi

if have "$mingw_cc"; then
  rm -f "$out/demo.exe"
  if ! "$mingw_cc" $flags -o "$out/demo.exe" "$src"; then
    echo "[demo] ERROR: $mingw_cc could not compile $src" >&2
    exit 1
  fi
  mkdir -p "$native/windows-x86_64" && cp "$out/demo.exe" "$native/windows-x86_64/demo.exe" || exit 1
  echo "[demo] built $out/demo.exe with $mingw_cc"
else
  rm -f "$out/demo.exe" "$native/windows-x86_64/demo.exe"
  echo "[demo] NOTE: no mingw-w64 cross compiler ($mingw_cc), so the Windows demo.exe was not built;" \
    "to get it: apt-get install mingw-w64, then rebuild."
fi
exit 0
