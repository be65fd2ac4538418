#!/usr/bin/env bash
# PacketIn -> decision latency of `ofscope control` on loopback, three ways: ofscope's own
# summary (read to sent), the recording's timestamps (`ofscope pcap --latency`), and the
# test switch's round trip (which adds Python and the kernel both ways).
#
# usage: bench/control.sh [--ofscope BIN] [--count N] [--app SPEC]
set -euo pipefail
cd "$(dirname "$0")/.."
ofscope=target/release/ofscope count=5000 app=learning:variant=pox
while (($#)); do
  case $1 in
    --ofscope) ofscope=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --app) app=$2; shift 2 ;;
    *) echo "usage: $0 [--ofscope BIN] [--count N] [--app SPEC]" >&2; exit 2 ;;
  esac
done
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ofscope" control --app "$app" --listen "127.0.0.1:$port" -q -w "$dir/bench.pcap" 2>"$dir/err" &
pid=$!
for _ in $(seq 50); do grep -q "listening on" "$dir/err" 2>/dev/null && break; sleep 0.1; done
python3 bench/control_client.py "$port" "$count"
kill -INT "$pid"; wait "$pid"
grep -o "PacketIn to decision: .*" "$dir/err" | sed 's/^/ofscope itself: /'
"$ofscope" pcap "$dir/bench.pcap" --port "$port" --latency | grep -m1 -E "^  PACKET_IN " \
  | awk '{print "from the recording: p50 " $5 ", p99 " $7 ", max " $8 " (" $2 " answered, " $3 " unanswered)"}'
