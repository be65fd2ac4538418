#!/bin/sh
# The cost of the analysis: `ofscope pcap FILE -q` (decode only) against
# `ofscope pcap FILE --stats` (decode, counts and the full analysis), N runs of each,
# with the peak memory of each. The issue's budget: --stats adds at most 30 %.
#
#   bench/analysis.sh [FILE] [RUNS]      (default: the lab's large capture, 15 runs)
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
runs=${2:-15}

# Runs alternate (-q, --stats, -q, ...) so that a slow spell of a noisy machine hits both
# alike; each is timed in CPU time (user + system, from the kernel's accounting, to the
# microsecond), which other jobs on the machine disturb far less than wall time. The
# overhead is the median of the runs' pairwise ratios; the best times are shown too.
python3 - "$bin" "$file" "$runs" <<'PY'
import os, statistics, subprocess, sys
binary, capture, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])

def run(flag):
    """CPU seconds and peak RSS (KiB) of one `ofscope pcap CAPTURE FLAG`. GNU time gives
    the RSS: its child is forked from a small process, where this one's would count this
    Python's memory. The rusage of time's process includes ofscope's, which it waited for."""
    child = subprocess.Popen(['/usr/bin/time', '-f', '%M', binary, 'pcap', capture, flag],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit('ofscope pcap %s %s failed: %s' % (capture, flag, err))
    return usage.ru_utime + usage.ru_stime, int(err.split()[-1])

decode, stats = [], []
for _ in range(runs):
    decode.append(run('-q'))
    stats.append(run('--stats'))
ratios = [s[0] / d[0] - 1 for d, s in zip(decode, stats)]
print('decode only (-q):    best %.3f s CPU, peak %d KiB' % (min(t for t, _ in decode), max(m for _, m in decode)))
print('--stats (analysis):  best %.3f s CPU, peak %d KiB' % (min(t for t, _ in stats), max(m for _, m in stats)))
best = min(t for t, _ in stats) / min(t for t, _ in decode) - 1
print('analysis overhead:   %.1f %% median of %d paired runs (range %.1f to %.1f %%), %.1f %% best '
      'against best; budget 30 %%' % (100 * statistics.median(ratios), runs, 100 * min(ratios),
                                      100 * max(ratios), 100 * best))
PY
