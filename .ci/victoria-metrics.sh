#!/usr/bin/env bash
# Starts or stops a VictoriaMetrics server on 127.0.0.1, the real OTLP/HTTP backend that the
# OpenTelemetry exporter's end-to-end tests push to and query back.
#
#   bash .ci/victoria-metrics.sh start   # fetch (first time), start, wait for /health
#   bash .ci/victoria-metrics.sh stop    # stop the server this script started
#   bash .ci/victoria-metrics.sh status  # say whether it runs
#
# VictoriaMetrics comes from Debian trixie's package (bookworm's is too old for OTLP), downloaded
# with apt-get into private directories and unpacked with dpkg-deb: nothing is installed
# system-wide and apt's own state is not touched. Everything lives under the repo's .vm/
# (git-ignored). Port: LEAKDETECTOR_VM_PORT (default 8428). Both commands are idempotent.
# The tests find the server through LEAKDETECTOR_OTLP_BACKEND=http://127.0.0.1:<port>.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
W="$REPO/.vm"
PORT="${LEAKDETECTOR_VM_PORT:-8428}"
URL="http://127.0.0.1:$PORT"
BIN="$W/root/usr/bin/victoria-metrics"
PID_FILE="$W/vm.pid"
LOG="$W/vm.log"

fail() {
  echo "victoria-metrics: $*" >&2
  exit 1
}

healthy() {
  curl -sf -m 2 "$URL/health" >/dev/null 2>&1
}

our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # The pid must still be our binary, not a recycled pid.
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$BIN")" ]] || return 1
  echo "$pid"
}

fetch() {
  [[ -x "$BIN" ]] && return 0
  local sources mirror
  mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" || fail "cannot create $W."
  sources=/etc/apt/sources.list.d/debian.sources
  mirror=$(awk '/^URIs:/{print $2; exit}' "$sources" 2>/dev/null)
  if [[ -z "$mirror" ]]; then
    mirror=$(awk '/^deb /{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' \
      /etc/apt/sources.list 2>/dev/null)
  fi
  [[ -n "$mirror" ]] || fail "no Debian mirror found in $sources or /etc/apt/sources.list."
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
    >"$W/apt/sources.list"
  local apt_opts=(-o Dir::Etc::SourceList="$W/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$W/apt/lists" -o Dir::Cache="$W/apt/cache")
  if [[ $(id -u) == 0 ]]; then apt_opts+=(-o APT::Sandbox::User=root); fi
  echo "victoria-metrics: downloading Debian trixie's victoria-metrics package into $W" >&2
  apt-get -qq "${apt_opts[@]}" update >"$W/fetch.log" 2>&1 \
    || fail "apt-get update of the trixie index failed (see $W/fetch.log)."
  rm -f "$W"/victoria-metrics_*.deb
  (cd "$W" && apt-get -qq "${apt_opts[@]}" download victoria-metrics) >>"$W/fetch.log" 2>&1 \
    || fail "apt-get download victoria-metrics failed (see $W/fetch.log)."
  rm -rf "$W/root"
  dpkg-deb -x "$W"/victoria-metrics_*.deb "$W/root" >>"$W/fetch.log" 2>&1 \
    || fail "dpkg-deb could not unpack the package (see $W/fetch.log)."
  [[ -x "$BIN" ]] || fail "the package has no $BIN."
}

start() {
  if pid=$(our_pid) && healthy; then
    echo "victoria-metrics: already running at $URL (pid $pid)"
    return 0
  fi
  if pid=$(our_pid); then
    stop_pid "$pid"
  fi
  if healthy || (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    fail "port $PORT on 127.0.0.1 is taken by another process; set LEAKDETECTOR_VM_PORT."
  fi
  fetch
  # A fresh store each start: the tests must not see series from an earlier run.
  rm -rf "$W/data"
  setsid "$BIN" -httpListenAddr="127.0.0.1:$PORT" -storageDataPath="$W/data" \
    -retentionPeriod=1d -search.latencyOffset=0s -opentelemetry.usePrometheusNaming \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local i
  for ((i = 0; i < 150; i++)); do
    if healthy; then
      echo "victoria-metrics: running at $URL (pid $(cat "$PID_FILE"))"
      return 0
    fi
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      rm -f "$PID_FILE"
      fail "the server exited at start: $(tail -n 1 "$LOG" 2>/dev/null)"
    fi
    sleep 0.2
  done
  stop_pid "$(cat "$PID_FILE")"
  fail "no answer from $URL/health within 30 s (see $LOG)."
}

stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null; fi
  rm -f "$PID_FILE"
}

stop() {
  if pid=$(our_pid); then
    stop_pid "$pid"
    echo "victoria-metrics: stopped (pid $pid)"
  else
    rm -f "$PID_FILE"
    echo "victoria-metrics: not running"
  fi
}

status() {
  if pid=$(our_pid) && healthy; then
    echo "victoria-metrics: running at $URL (pid $pid)"
  else
    echo "victoria-metrics: not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) fail "usage: bash .ci/victoria-metrics.sh start|stop|status" ;;
esac
