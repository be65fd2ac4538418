#!/bin/sh
# The cost of the analysis: `ofscope pcap FILE -q` (decode only) against
# `ofscope pcap FILE --stats` (decode, counts and the full analysis), best of N runs,
# with the peak memory of each. The issue's budget: --stats adds at most 30 %.
#
#   bench/analysis.sh [FILE] [RUNS]      (default: the lab's large capture, 3 runs)
set -eu
file=${1:-../large/large.pcap}
runs=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/ofscope

best() { # best wall time (s) and peak RSS (KiB) of `$bin pcap $file $@` over $runs runs
    t_best=""; rss_best=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        out=$( { /usr/bin/time -f '%e %M' "$bin" pcap "$file" "$@" >/dev/null; } 2>&1 | tail -1)
        t=${out% *}; rss=${out#* }
        if [ -z "$t_best" ] || [ "$(echo "$t < $t_best" | bc)" = 1 ]; then t_best=$t; fi
        if [ -z "$rss_best" ] || [ "$rss" -lt "$rss_best" ]; then rss_best=$rss; fi
        i=$((i + 1))
    done
    echo "$t_best $rss_best"
}

set -- $(best -q)
decode_t=$1 decode_rss=$2
set -- $(best --stats)
stats_t=$1 stats_rss=$2
overhead=$(echo "scale=1; 100 * ($stats_t - $decode_t) / $decode_t" | bc)
echo "decode only (-q):    ${decode_t} s, peak ${decode_rss} KiB"
echo "--stats (analysis):  ${stats_t} s, peak ${stats_rss} KiB"
echo "analysis overhead:   ${overhead} %  (budget 30 %)"
