#!/bin/sh
# `ofscope pcap -j N`: COPIES copies of a capture (default: the lab's large one, 4 copies)
# read with --stats by one job and by JOBS jobs (default 2), alternating, RUNS times each
# (default 3), wall time and peak memory. The issue's budget on the 2-core machine: -j 2
# takes at most 60 % of -j 1's time. The copies are hard links (or symbolic ones), so the
# page cache holds one file: the figure is the decoding's, not the disk's.
#
#   [OFSCOPE=BIN] bench/jobs.sh [FILE] [COPIES] [JOBS] [RUNS]
set -eu
bin=${OFSCOPE:-target/release/ofscope}
file=${1:-${LARGE:-/tmp/ofsc-large/large.pcap}}
copies=${2:-4}
jobs=${3:-2}
runs=${4:-3}
[ -f "$file" ] || { echo "no capture $file: record one with tests/lab/record.sh large DIR" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=1
while [ "$i" -le "$copies" ]; do
    ln "$file" "$dir/copy$i.pcap" 2>/dev/null || ln -s "$(realpath "$file")" "$dir/copy$i.pcap"
    i=$((i + 1))
done
cat "$dir"/copy*.pcap > /dev/null
measure() {
    /usr/bin/time -f "%e %M" "$bin" pcap "$dir"/copy*.pcap --stats -j "$1" 2>&1 >/dev/null | tail -1
}
one_total=0
many_total=0
run=1
while [ "$run" -le "$runs" ]; do
    set -- $(measure 1)
    one=$1 one_kb=$2
    set -- $(measure "$jobs")
    many=$1 many_kb=$2
    echo "run $run: -j 1 ${one} s (${one_kb} KB), -j $jobs ${many} s (${many_kb} KB)"
    one_total=$(echo "$one_total + $one" | bc)
    many_total=$(echo "$many_total + $many" | bc)
    run=$((run + 1))
done
ratio=$(echo "scale=3; $many_total / $one_total" | bc)
echo "-j $jobs / -j 1 over $copies copies: $ratio of the time (budget <= 0.60)"
