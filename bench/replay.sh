#!/usr/bin/env bash
# The engine around the apps (issue 15): `ofscope replay FILE --app ... -q` against
# decode-only (`ofscope pcap -q FILE`) on the same file; target: at most 2x.
#
# Usage: bench/replay.sh [--reps N] [--ofscope BIN] FILE
#   --reps N       repetitions of each command (default 5); the best of them is kept.
#   --ofscope BIN  the binary (default: target/release/ofscope, built if missing).
#
# Times are CPU seconds (user + system) from /usr/bin/time, steadier than wall time on a
# shared machine; the best of N is the run the machine disturbed least. Every command
# writes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=5
ofscope=target/release/ofscope
while [ $# -gt 1 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --ofscope) ofscope=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
file=$1
command -v /usr/bin/time >/dev/null || { echo "replay.sh: /usr/bin/time is missing" >&2; exit 2; }
if [ ! -x "$ofscope" ]; then
  cargo build --release --quiet --bin ofscope
fi

responder="--app arp:ip=10.0.0.254,mac=02:00:00:00:00:fe --app ping:ip=10.0.0.254,mac=02:00:00:00:00:fe"
runs=(
  "decode only|pcap -q $file"
  "learning pox|replay $file --app learning:variant=pox -q"
  "arp+ping+learning|replay $file $responder --app learning:variant=pox -q"
  "closed loop|replay $file --app learning:variant=pox --closed-loop -q"
)

times=$(mktemp)
trap 'rm -f "$times"' EXIT

# Best CPU seconds of `reps` runs of one command line.
best() {
  local best="" t
  for _ in $(seq "$reps"); do
    # shellcheck disable=SC2086
    /usr/bin/time -o "$times" -f '%U %S' "$ofscope" $1 >/dev/null 2>&1
    t=$(awk '{ print $1 + $2 }' "$times")
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "$best"
}

echo "file: $file ($(du -h "$file" | cut -f1)); best CPU seconds of $reps runs"
base=""
for run in "${runs[@]}"; do
  name=${run%%|*}
  t=$(best "${run#*|}")
  base=${base:-$t}
  awk -v n="$name" -v t="$t" -v b="$base" 'BEGIN { printf "%-20s %7.2f s  %5.2fx decode-only\n", n, t, t / b }'
done
