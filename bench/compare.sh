#!/usr/bin/env bash
# The issue 3 speed targets, measured in one run on one capture:
#   ofscope pcap --stats          <= 1/3 of the time of  tcpdump -n -r
#   ofscope pcap -T jsonl         >= 100x faster than    tshark -T json
#   ofscope pcap (text)           no slower than         tcpdump -n -r
#   peak RSS of each ofscope mode <= 32 MiB
#
# Usage: bench/compare.sh [--tshark-sample N] [--port P] [--ofscope BIN] FILE
#   --tshark-sample N  run tshark on the first N frames only (-c N) and scale its time by
#                      frames/N; tshark -T json on a 200 MB capture takes minutes. 0 = the
#                      whole file (the default when the file has fewer than 200000 frames).
#   --port P           the controller port tshark decodes as OpenFlow (default 6633).
#   --ofscope BIN      the binary (default: target/release/ofscope, built if missing).
#
# Times are CPU seconds (user + system) from /usr/bin/time, which also gives the peak
# RSS; CPU time is steadier than wall time on a shared machine (wall time is shown too).
# Every command writes to /dev/null.
set -euo pipefail
cd "$(dirname "$0")/.."

sample=""
port=6633
ofscope=target/release/ofscope
while [ $# -gt 1 ]; do
  case "$1" in
    --tshark-sample) sample=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --ofscope) ofscope=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
file=$1
for tool in tcpdump tshark capinfos /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing" >&2; exit 2; }
done
if [ ! -x "$ofscope" ]; then
  cargo build --release --quiet --bin ofscope
fi

frames=$(capinfos -M -c -T -r "$file" | cut -f2)
if [ -z "$sample" ]; then
  if [ "$frames" -ge 200000 ]; then sample=100000; else sample=0; fi
fi
if [ "$sample" -eq 0 ] || [ "$sample" -ge "$frames" ]; then sample=$frames; fi

# measure NAME CMD...: runs CMD > /dev/null, sets cpu[NAME], wall[NAME], rss[NAME] (KiB).
declare -A cpu wall rss
measure() {
  local name=$1; shift
  local out
  out=$(/usr/bin/time -f '%U %S %e %M' "$@" 2>&1 >/dev/null | tail -1)
  read -r user sys elapsed kib <<<"$out"
  cpu[$name]=$(echo "$user + $sys" | bc)
  wall[$name]=$elapsed
  rss[$name]=$kib
  printf '  %-22s cpu %8.2f s  wall %8.2f s  peak RSS %7.1f MiB\n' \
    "$name" "${cpu[$name]}" "$elapsed" "$(echo "scale=1; $kib / 1024" | bc)"
}

echo "$file: $frames frames, $(du -m "$file" | cut -f1) MB"
measure "tcpdump -n -r" tcpdump -n -r "$file"
measure "ofscope --stats" "$ofscope" pcap "$file" --stats
measure "ofscope (text)" "$ofscope" pcap "$file"
measure "ofscope -T jsonl" "$ofscope" pcap "$file" -T jsonl
measure "tshark -T json" tshark -n -r "$file" -c "$sample" -T json \
  -d "tcp.port==$port,openflow" -o tcp.reassemble_out_of_order:TRUE
if [ "$sample" -lt "$frames" ]; then
  tshark_cpu=$(echo "scale=3; ${cpu[tshark -T json]} * $frames / $sample" | bc)
  echo "  (tshark ran on the first $sample frames; scaled to the file: $tshark_cpu s)"
else
  tshark_cpu=${cpu[tshark -T json]}
fi

failed=0
# verdict TEXT VALUE OP LIMIT
verdict() {
  local ok
  ok=$(echo "$2 $3 $4" | bc)
  [ "$ok" -eq 1 ] || failed=1
  printf '  %-58s %10s  (target %s %s)  %s\n' "$1" "$2" "$3" "$4" "$([ "$ok" -eq 1 ] && echo ok || echo MISSED)"
}
# CPU times are rounded to 10 ms; a zero denominator counts as 10 ms.
ratio() { echo "scale=3; d = $2; if (d < 0.01) d = 0.01; $1 / d" | bc; }
echo "ratios (CPU time):"
verdict "ofscope --stats / tcpdump -n -r" "$(ratio "${cpu[ofscope --stats]}" "${cpu[tcpdump -n -r]}")" "<=" 0.333
verdict "tshark -T json / ofscope -T jsonl (x faster)" "$(ratio "$tshark_cpu" "${cpu[ofscope -T jsonl]}")" ">=" 100
verdict "ofscope (text) / tcpdump -n -r" "$(ratio "${cpu[ofscope (text)]}" "${cpu[tcpdump -n -r]}")" "<=" 1
for mode in "ofscope --stats" "ofscope (text)" "ofscope -T jsonl"; do
  verdict "peak RSS of $mode (MiB)" "$(echo "scale=1; ${rss[$mode]} / 1024" | bc)" "<=" 32
done
exit $failed
