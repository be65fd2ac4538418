#!/bin/sh
# The cost of the analysis: `ofscope pcap FILE -q` (decode only) against
# `ofscope pcap FILE --stats` (decode, counts and the full analysis), with the peak memory
# of each. The issue's budget: --stats adds at most 30 %.
#
#   bench/analysis.sh [FILE] [RUNS]                 whole file (default: the lab's large
#                                                   capture, 15 runs of each)
#   bench/analysis.sh --slices FILE [FRAMES] [RUNS] the file cut in slices of FRAMES frames
#                                                   (default 40000), RUNS runs of each a slice
#   bench/analysis.sh --instructions FILE           instructions, under cachegrind
#   bench/analysis.sh --ofscope BIN ...             any of the above with that binary
#                                                   (default: target/release/ofscope, built)
#
# Why three: this kind of machine has slow spells of a few seconds, in which the same run
# takes up to twice as long. Runs of `-q` and `--stats` alternate so that a spell hits both
# alike, and each is timed in CPU time, but a run of the whole large capture (half a second)
# often straddles a spell's edge. Slices of it run in tens of milliseconds, so a pair of
# runs nearly always shares its conditions; each slice restarts the analysis, which costs
# it a little more (the handshake is missing, so stalls are checked on every message).
# Instructions are steady whatever the machine does, but leave out the caches.
set -eu
bin=
if [ "${1:-}" = "--ofscope" ]; then
    bin=$(realpath "$2")
    shift 2
fi
cd "$(dirname "$0")/.."
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=target/release/ofscope
fi

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

if [ "${1:-}" = "--slices" ]; then
    file=$2
    frames=${3:-40000}
    runs=${4:-15}
    slices=$(mktemp -d)
    trap 'rm -rf "$slices"' EXIT
    editcap -c "$frames" "$file" "$slices/slice.pcap" >/dev/null
else
    file=${1:-../large/large.pcap}
    runs=${2:-15}
    slices=
fi

python3 - "$bin" "$runs" "$file" ${slices:+"$slices"} <<'PY'
import os, statistics, subprocess, sys
binary, runs, capture = sys.argv[1], int(sys.argv[2]), sys.argv[3]
slices = sys.argv[4] if len(sys.argv) > 4 else None

def run(path, flag):
    """CPU seconds and peak RSS (KiB) of one `ofscope pcap PATH FLAG`. GNU time gives
    the RSS: its child is forked from a small process, where this one's would count this
    Python's memory. The rusage of time's process includes ofscope's, which it waited for."""
    child = subprocess.Popen(['/usr/bin/time', '-f', '%M', binary, 'pcap', path, flag],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit('ofscope pcap %s %s failed: %s' % (path, flag, err))
    return usage.ru_utime + usage.ru_stime, int(err.split()[-1])

def pairs(path):
    """`runs` alternating runs of each: the lists of (CPU s, RSS) for -q and --stats."""
    decode, stats = [], []
    for _ in range(runs):
        decode.append(run(path, '-q'))
        stats.append(run(path, '--stats'))
    return decode, stats

if slices is None:
    decode, stats = pairs(capture)
    ratios = [s[0] / d[0] - 1 for d, s in zip(decode, stats)]
    print('decode only (-q):    best %.3f s CPU, peak %d KiB' % (min(t for t, _ in decode), max(m for _, m in decode)))
    print('--stats (analysis):  best %.3f s CPU, peak %d KiB' % (min(t for t, _ in stats), max(m for _, m in stats)))
    best = min(t for t, _ in stats) / min(t for t, _ in decode) - 1
    print('analysis overhead:   %.1f %% median of %d paired runs (range %.1f to %.1f %%), %.1f %% best '
          'against best; budget 30 %%' % (100 * statistics.median(ratios), runs, 100 * min(ratios),
                                          100 * max(ratios), 100 * best))
else:
    # Each slice's overhead is the median of its paired ratios; the capture's is the sum of
    # the slices' median --stats times over the sum of their median -q times.
    total_decode = total_stats = 0.0
    overheads = []
    for name in sorted(os.listdir(slices)):
        decode, stats = pairs(os.path.join(slices, name))
        ratio = statistics.median(s[0] / d[0] for d, s in zip(decode, stats))
        d = statistics.median(t for t, _ in decode)
        total_decode += d
        total_stats += d * ratio
        overheads.append(100 * (ratio - 1))
    print('%s in %d slices, %d paired runs each' % (capture, len(overheads), runs))
    print('slice overheads:     %s %%' % ' '.join('%.0f' % o for o in overheads))
    print('analysis overhead:   %.1f %% over the whole capture (slices from %.1f to %.1f %%); '
          'budget 30 %%' % (100 * (total_stats / total_decode - 1), min(overheads), max(overheads)))
PY
