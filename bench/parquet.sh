#!/bin/sh
# `ofscope pcap FILE --parquet DIR` against `tcpdump -r FILE -w /dev/null` (reading the same
# capture and writing it back out), alternating, RUNS times each (default 5): wall time, CPU
# time, peak memory, and messages per second. The budget: at least 1 M messages/s
# with a peak memory of at most 64 MiB (the lab's large capture: about 730,000 messages).
#
#   [OFSCOPE=BIN] bench/parquet.sh [FILE] [RUNS]
set -eu
bin=${OFSCOPE:-target/release/ofscope}
file=${1:-${LARGE:-/tmp/ofsc-large/large.pcap}}
runs=${2:-5}
[ -f "$file" ] || { echo "no capture $file: record one with tests/lab/record.sh large DIR" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "tcpdump is not installed" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat "$file" > /dev/null
messages=$("$bin" pcap "$file" --stats -T json | python3 -c 'import json, sys; d = json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["messages"])')
# Prints "wall user+sys peak_kb" of a command.
measure() {
    /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1 |
        awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
}
ofscope_total=0
tcpdump_total=0
peak=0
run=1
while [ "$run" -le "$runs" ]; do
    set -- $(measure "$bin" pcap "$file" --parquet "$dir")
    o_wall=$1 o_cpu=$2 o_kb=$3
    set -- $(measure tcpdump -r "$file" -w /dev/null)
    t_wall=$1 t_cpu=$2 t_kb=$3
    echo "run $run: ofscope --parquet ${o_wall} s (cpu ${o_cpu} s, ${o_kb} KB), tcpdump -w ${t_wall} s (cpu ${t_cpu} s, ${t_kb} KB)"
    ofscope_total=$(echo "$ofscope_total + $o_wall" | bc)
    tcpdump_total=$(echo "$tcpdump_total + $t_wall" | bc)
    [ "$o_kb" -gt "$peak" ] && peak=$o_kb
    run=$((run + 1))
done
rate=$(echo "scale=0; $messages * $runs / $ofscope_total" | bc)
ratio=$(echo "scale=2; $ofscope_total / $tcpdump_total" | bc)
echo "$messages messages: ofscope --parquet $rate messages/s (budget >= 1000000), peak $peak KB (budget <= 65536)"
echo "ofscope --parquet / tcpdump -w: $ratio of the time"
