#!/bin/sh
# The cost of the analysis: `ofscope pcap FILE -q` (decode only) against
# `ofscope pcap FILE --stats` (decode, counts and the full analysis), best of N runs,
# with the peak memory of each. The issue's budget: --stats adds at most 30 %.
#
#   bench/analysis.sh [FILE] [RUNS]      (default: the lab's large capture, 3 runs)
#   bench/analysis.sh --instructions FILE
#
# The second form counts instructions under cachegrind instead (steady on a loaded machine;
# use a slice of a few MB, e.g. `editcap -r large.pcap slice.pcap 1-40000`).
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/ofscope

if [ "${1:-}" = "--instructions" ]; then
    file=$2
    instructions() { # instructions of `$bin pcap $file $@`
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
            "$bin" pcap "$file" "$@" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
    }
    decode=$(instructions -q)
    stats=$(instructions --stats)
    echo "decode only (-q):    $decode instructions"
    echo "--stats (analysis):  $stats instructions"
    echo "analysis overhead:   $(echo "scale=1; 100 * ($stats - $decode) / $decode" | bc) %  (budget 30 %)"
    exit 0
fi
file=${1:-../large/large.pcap}
runs=${2:-3}

best() { # best wall time (s) and peak RSS (KiB) of `$bin pcap $file $@` over $runs runs
    t_best=""; rss_best=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        # Timed to the millisecond (time's %e rounds to 10 ms, 2 % of a run here).
        start=$(date +%s%N)
        rss=$( { /usr/bin/time -f '%M' "$bin" pcap "$file" "$@" >/dev/null; } 2>&1 | tail -1)
        t=$(echo "scale=3; ($(date +%s%N) - $start) / 1000000000" | bc | sed "s/^\./0./")
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
