#!/usr/bin/env bash
# Load test of `ofscope live`: replay a capture onto a veth pair with tcpreplay while
# ofscope captures (-T jsonl > /dev/null) on the other end, then the same with
# `tshark -i`. Reports sent frames, captured frames, OpenFlow messages, message
# rate and drops for each run: once at the capture's own rate (its first
# ORIG_PACKETS frames) and once with --topspeed (the whole capture).
# Per run, one line:
#   sent N in S s     what tcpreplay sent, and how long it took
#   captured          frames the tool read off libpcap (ofscope: also saved with -w)
#   missed            frames sent but not decoded (every kind of drop)
#   drops: kernel     libpcap's count (ring full); queue: ofscope's own queue full
#   messages, msg/s   OpenFlow messages decoded, over the replay's duration (ofscope)
#   done after        from the replay's end to the tool's exit, including the Ctrl-C
#                     sent 1 s after the end: how long the backlog took to decode
# Figures measured with it are in docs/capture.md ("Live capture").
#
#   bench/live-load.sh CAPTURE        (root; needs tcpreplay and tshark)
#
#   OFSCOPE=path/to/ofscope   default target/release/ofscope
#   ORIG_PACKETS=N            frames replayed at the original rate (default 100000)
#   OFSCOPE_ARGS="..."        extra options for `ofscope live` (e.g. "-B 16")
#   TOOLS="ofscope tshark"    which captures to run (ofscope-text: ofscope's default
#                             text output instead of jsonl)
#
# Creates only the namespace ofsl-load (with the veth pair ofsl-a/ofsl-b inside it)
# and stops only the processes it started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
capture=$(realpath "${1:?usage: bench/live-load.sh CAPTURE}")
ofscope=$(realpath -m "${OFSCOPE:-$here/../target/release/ofscope}")
orig_packets=${ORIG_PACKETS:-100000}
tools=${TOOLS:-ofscope tshark}
read -r -a ofscope_args <<< "${OFSCOPE_ARGS:-}"
ns=ofsl-load
filter="tcp port 6633 or tcp port 6653"
[[ $EUID -eq 0 ]] || { echo "live-load.sh: run as root" >&2; exit 2; }
[[ -x $ofscope ]] || { echo "live-load.sh: no ofscope at $ofscope" >&2; exit 2; }
command -v tcpreplay >/dev/null || { echo "live-load.sh: install tcpreplay" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ofsl-load.XXXXXX")
tool_pid=""

cleanup() {
    if [[ -n $tool_pid ]] && kill -0 "$tool_pid" 2>/dev/null; then
        kill -TERM "$tool_pid"; wait "$tool_pid" 2>/dev/null || true
    fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n "$ns" link add ofsl-a type veth peer name ofsl-b
ip -n "$ns" link set ofsl-a up
ip -n "$ns" link set ofsl-b up

# start_tool NAME: the capture on ofsl-b, in the background, ready when it says so.
start_tool() {
    local err=$work/$1.err
    : > "$err"
    case $1 in
        ofscope) ip netns exec "$ns" "$ofscope" live -i ofsl-b "${ofscope_args[@]}" -T jsonl > /dev/null 2> "$err" & ;;
        ofscope-text) ip netns exec "$ns" "$ofscope" live -i ofsl-b "${ofscope_args[@]}" > /dev/null 2> "$err" & ;;
        tshark) ip netns exec "$ns" tshark -i ofsl-b -f "$filter" -d tcp.port==6633,openflow -l \
                    > /dev/null 2> "$err" & ;;
    esac
    tool_pid=$!
    for _ in $(seq 150); do
        grep -qE "capturing on|Capturing on" "$err" && return 0
        sleep 0.1
    done
    echo "live-load.sh: $1 did not start: $(cat "$err")" >&2; exit 1
}

# stop_tool: Ctrl-C once the kernel has handed over what it holds; the tool then
# finishes decoding what it had queued (ofscope) or spooled (tshark) and exits.
stop_tool() {
    sleep 1
    kill -INT "$tool_pid"
    wait "$tool_pid" || true
    tool_pid=""
}

# run NAME LABEL TCPREPLAY-OPTIONS...: one measured replay. "missed" counts every frame
# sent and not decoded: dropped by the kernel, by ofscope's queue, or never read.
# msg/s is the offered rate: the messages decoded over the replay's duration.
# "done after" is how long the tool took to exit after the replay ended, Ctrl-C 1 s
# after the replay's end included: its backlog.
run() {
    local tool=$1 label=$2 sent secs captured decoded messages kernel queue start end
    shift 2
    start_tool "$tool"
    ip netns exec "$ns" tcpreplay -i ofsl-a "$@" "$capture" > "$work/replay.out" 2>&1
    start=$(date +%s.%N)
    stop_tool
    end=$(date +%s.%N)
    sent=$(sed -nE 's/.*Actual: ([0-9]+) packets.*/\1/p' "$work/replay.out")
    secs=$(sed -nE 's/.*Actual: .* sent in ([0-9.]+) seconds.*/\1/p' "$work/replay.out")
    if [[ $tool == ofscope* ]]; then
        captured=$(sed -nE 's/.* ([0-9]+) frames captured.*/\1/p' "$work/$tool.err")
        messages=$(sed -nE 's/.*captured, ([0-9]+) OpenFlow messages.*/\1/p' "$work/$tool.err")
        kernel=$(sed -nE 's/.*; ([0-9]+) dropped by the kernel.*/\1/p' "$work/$tool.err")
        queue=$(sed -nE 's/.*, ([0-9]+) by the queue.*/\1/p' "$work/$tool.err")
        decoded=$(( ${captured:-0} - ${queue:-0} ))
    else
        captured=$(sed -nE 's/^([0-9]+) packets? captured.*/\1/p' "$work/tshark.err" | tail -1)
        kernel=$(sed -nE 's/^([0-9]+) packets? dropped.*/\1/p; s/.*\(([0-9]+) dropped\).*/\1/p' "$work/tshark.err" | tail -1)
        queue="-" messages="-" decoded=${captured:-0}
    fi
    printf '%-12s %-20s sent %7s in %6ss  captured %7s  missed %7s  drops: kernel %7s queue %7s  messages %7s  msg/s %7s  done after %5ss\n' \
        "$tool" "$label" "$sent" "$secs" "${captured:-?}" "$(( sent - decoded ))" "${kernel:-0}" "${queue:-?}" "$messages" \
        "$( [[ $messages == - ]] && echo - || awk -v m="$messages" -v s="$secs" 'BEGIN { printf "%.0f", m / s }')" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
}

echo "capture: $(basename "$capture") ($(capinfos -Mc "$capture" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}') frames)"
for tool in $tools; do
    run "$tool" "original rate, $orig_packets" -L "$orig_packets"
    run "$tool" "topspeed, whole file" --topspeed
done
