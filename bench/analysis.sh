#!/bin/sh
# The cost of the analysis: `ofscope pcap FILE -q` (decode only) against
# `ofscope pcap FILE --stats` (decode, counts and the full analysis), with the peak memory
# of each. The issue's budget: --stats adds at most 30 %.
# With --against BASE: `--stats` of the binary against `--stats` of the binary BASE (an
# earlier build), in the same alternating pairs; the budget of a change is 5 %.
#
#   bench/analysis.sh [FILE] [RUNS]                 whole file (default: the lab's large
#                                                   capture, 15 runs of each)
#   bench/analysis.sh --slices FILE [FRAMES] [RUNS] the file cut in slices of FRAMES frames
#                                                   (default 40000), RUNS runs of each a slice
#   bench/analysis.sh --instructions FILE           instructions, under cachegrind
#   bench/analysis.sh --ofscope BIN ...             any of the above with that binary
#                                                   (default: target/release/ofscope, built)
#   bench/analysis.sh [--ofscope BIN] --against BASE ...   any of the above, BASE --stats
#                                                   against BIN --stats
#
# Why three: this kind of machine has slow spells of a few seconds, in which the same run
# takes up to twice as long. Runs of `-q` and `--stats` alternate so that a spell hits both
# alike, and each is timed in CPU time, but a run of the whole large capture (half a second)
# often straddles a spell's edge. Slices of it run in tens of milliseconds, so a pair of
# runs nearly always shares its conditions; each slice restarts the analysis, which costs
# it a little more (each slice starts mid-session, without the handshake).
# Instructions are steady whatever the machine does, but leave out the caches.
set -eu
bin=
if [ "${1:-}" = "--ofscope" ]; then
    bin=$(realpath "$2")
    shift 2
fi
# The two sides of each pair: A (binary, flag, label) against B, and B's budget over A.
a_bin=
a_flag=-q a_label="decode only (-q)" b_label="--stats (analysis)" what="analysis overhead" budget=30
if [ "${1:-}" = "--against" ]; then
    a_bin=$(realpath "$2")
    a_flag=--stats a_label="baseline --stats" b_label="this --stats" what="change" budget=5
    shift 2
fi
cd "$(dirname "$0")/.."
if [ -z "$bin" ]; then
    cargo build --release --quiet
    bin=target/release/ofscope
fi
a_bin=${a_bin:-$bin}

if [ "${1:-}" = "--instructions" ]; then
    file=$2
    instructions() { # instructions of `BIN pcap $file FLAG`
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
            "$1" pcap "$file" "$2" 2>&1 >/dev/null | sed -n 's/.*I *refs: *//p' | tr -d ,
    }
    a=$(instructions "$a_bin" "$a_flag")
    b=$(instructions "$bin" --stats)
    printf '%-20s %s instructions\n' "$a_label:" "$a" "$b_label:" "$b"
    printf '%-20s %s %%  (budget %s %%)\n' "$what:" "$(echo "scale=1; 100 * ($b - $a) / $a" | bc)" "$budget"
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

python3 - "$a_bin" "$a_flag" "$a_label" "$bin" "$b_label" "$what" "$budget" "$runs" "$file" ${slices:+"$slices"} <<'PY'
import os, statistics, subprocess, sys
a_bin, a_flag, a_label, b_bin, b_label, what, budget = sys.argv[1:8]
runs, capture = int(sys.argv[8]), sys.argv[9]
slices = sys.argv[10] if len(sys.argv) > 10 else None
a_label += ':'
b_label += ':'

def run(binary, path, flag):
    """CPU seconds and peak RSS (KiB) of one `BINARY pcap PATH FLAG`. GNU time gives
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
    """`runs` alternating runs of each side: the lists of (CPU s, RSS) of A and of B."""
    a, b = [], []
    for _ in range(runs):
        a.append(run(a_bin, path, a_flag))
        b.append(run(b_bin, path, '--stats'))
    return a, b

if slices is None:
    a, b = pairs(capture)
    ratios = [y[0] / x[0] - 1 for x, y in zip(a, b)]
    print('%-20s best %.3f s CPU, peak %d KiB' % (a_label, min(t for t, _ in a), max(m for _, m in a)))
    print('%-20s best %.3f s CPU, peak %d KiB' % (b_label, min(t for t, _ in b), max(m for _, m in b)))
    best = min(t for t, _ in b) / min(t for t, _ in a) - 1
    print('%-20s %.1f %% median of %d paired runs (range %.1f to %.1f %%), %.1f %% best '
          'against best; budget %s %%' % (what + ':', 100 * statistics.median(ratios), runs,
                                          100 * min(ratios), 100 * max(ratios), 100 * best, budget))
else:
    # Each slice's ratio is the median of its paired ratios; the capture's is the sum of
    # the slices' median B times over the sum of their median A times.
    total_a = total_b = 0.0
    overheads = []
    for name in sorted(os.listdir(slices)):
        a, b = pairs(os.path.join(slices, name))
        ratio = statistics.median(y[0] / x[0] for x, y in zip(a, b))
        median_a = statistics.median(t for t, _ in a)
        total_a += median_a
        total_b += median_a * ratio
        overheads.append(100 * (ratio - 1))
    print('%s in %d slices, %d paired runs each' % (capture, len(overheads), runs))
    print('slice overheads:     %s %%' % ' '.join('%.0f' % o for o in overheads))
    print('%-20s %.1f %% over the whole capture (slices from %.1f to %.1f %%); budget %s %%'
          % (what + ':', 100 * (total_b / total_a - 1), min(overheads), max(overheads), budget))
PY
