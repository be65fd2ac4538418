#!/usr/bin/env bash
# `ofscope bench` against three controllers on loopback, both modes, and the bench's own
# sink beside each result: ovs-testcontroller, os-ken's simple_switch, and
# `ofscope control --app learning:variant=simple`. Prints a Markdown table; each run is
# bounded by `timeout`, and only the PIDs started here are stopped.
#
# os-ken 4 (the lab's venv) ships neither os_ken.app.simple_switch nor osken-manager: the
# app is taken from the os-ken 1.4.1 wheel (the last to ship it; pip downloads it once into
# bench/.cache) and run under the venv's os-ken by tests/lab/osken_app.py.
#
# usage: bench/controllers.sh [--ofscope BIN] [--switches N] [--loops L] [--ms T] [--venv DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
ofscope=target/release/ofscope switches=16 loops=10 ms=1000
venv=${OFSC_VENV:-tests/lab/.venv}
while (($#)); do
  case $1 in
    --ofscope) ofscope=$2; shift 2 ;;
    --switches) switches=$2; shift 2 ;;
    --loops) loops=$2; shift 2 ;;
    --ms) ms=$2; shift 2 ;;
    --venv) venv=$2; shift 2 ;;
    *) echo "usage: $0 [--ofscope BIN] [--switches N] [--loops L] [--ms T] [--venv DIR]" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d)
pid=
stop() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$dir"' EXIT
cache=bench/.cache/os-ken-1.4.1
if [[ ! -f $cache/simple_switch.py ]]; then
  mkdir -p "$cache"
  "$venv/bin/pip" download -q --no-deps -d "$dir/wheel" os-ken==1.4.1
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("os_ken/app/simple_switch.py"))' \
    "$dir"/wheel/os_ken-1.4.1-*.whl "$cache/simple_switch.py"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null; }
# One bench run of the controller listening on $port; the JSON goes to $dir/$name-$mode.json.
run_bench() {
  local name=$1 mode=$2 budget=$(( (loops + 2) * ms / 1000 * 2 + 60 ))
  timeout "$budget" "$ofscope" bench "tcp:127.0.0.1:$port" --mode "$mode" --switches "$switches" \
    --loops "$loops" --ms "$ms" --warmup 1 --learn-macs --timeout 10 -T json \
    >"$dir/$name-$mode.json" 2>"$dir/$name-$mode.err" || true
}
row() {
  local name=$1 mode=$2 label=${3:-$1}
  python3 - "$dir/$name-$mode.json" "$dir/$name-$mode.err" "$label" "$mode" <<'PY'
import json, sys
path, err, name, mode = sys.argv[1:]
try:
    r = json.load(open(path))
except Exception:
    print(f"| {name} | {mode} | - | - | - | {open(err).read().strip()[:120]} |")
    sys.exit()
res, sink = r.get("result"), r.get("sink")
if not res:
    print(f"| {name} | {mode} | - | - | - | {r.get('error')} |")
    sys.exit()
stable = "yes" if res["avg"] > 0 and res["stdev"] < 0.2 * res["avg"] else "no"
print(f"| {name} | {mode} | {res['avg']:,.0f} | {100 * res['stdev'] / max(res['avg'], 1):.1f} % ({stable}) "
      f"| {res['min']:,.0f} / {res['max']:,.0f} | sink {sink['avg']:,.0f} responses/s, {sink['offered_per_s']:,.0f} PacketIns/s offered |")
PY
}
# Starts a controller ("$@") on $port and waits until it listens.
start() {
  "$@" >"$dir/controller.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do listening "$port" && return 0; sleep 0.1; done
  echo "controller did not listen: $(tail -3 "$dir/controller.log")" >&2
  stop
  return 1
}
echo "| controller | mode | avg responses/s | stdev | min / max | bench ceiling |"
echo "|---|---|---|---|---|---|"
for mode in throughput latency; do
  port=$(free_port)
  if start ovs-testcontroller --unixctl="$dir/ovs.ctl" "ptcp:$port:127.0.0.1"; then
    run_bench ovs-testcontroller "$mode"; stop; row ovs-testcontroller "$mode"
  fi
  port=$(free_port)
  if PYTHONPATH=$cache start "$venv/bin/python" tests/lab/osken_app.py simple_switch -- \
      --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port "$port"; then
    run_bench os-ken "$mode"; stop; row os-ken "$mode" "os-ken simple_switch (1.4.1's app, os-ken 4.2.2)"
  fi
  port=$(free_port)
  if start "$ofscope" control --app learning:variant=simple --listen "127.0.0.1:$port" -q; then
    run_bench ofscope-control "$mode"; stop; row ofscope-control "$mode" "ofscope control (learning:variant=simple)"
  fi
done
