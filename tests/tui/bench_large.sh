#!/usr/bin/env bash
# Measures the viewer on a large capture, as a user sees it: the time until the first
# message rows are on screen, the time until the status bar says "loaded", and the
# resident memory then (VmRSS and its peak VmHWM from /proc) and the CPU time spent; then
# the time each sort key (`s` through every column, `S`) takes to show the sorted list,
# and the memory after. Polls capture-pane every 10 ms.
# Usage: bench_large.sh OFSCOPE_BINARY CAPTURE
set -euo pipefail
ofscope=$1
capture=$2
socket="ofscope-tui-bench-$$"
tm() { tmux -L "$socket" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

now() { date +%s.%N; }
start=$(now)
tm new-session -d -s bench -x 160 -y 50 "'$ofscope' pcap '$capture'; sleep 60"
first=""
while :; do
  screen=$(tm capture-pane -p -t bench)
  if [ -z "$first" ] && echo "$screen" | grep -qE '^ +[0-9]+ +[0-9]+\.[0-9]{6} '; then
    first=$(now)
  fi
  if echo "$screen" | grep -q '│ loaded'; then
    loaded=$(now)
    break
  fi
  if (( $(echo "$(now) - $start > 120" | bc) )); then echo "timed out" >&2; exit 1; fi
  sleep 0.01
done
pid=$(pgrep -n -f "$ofscope pcap $capture")
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
# CPU time used so far (user + system, all threads), which the machine's load does not inflate.
read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
printf 'cpu time: %.2f s\n' "$(echo "($utime + $stime) / $(getconf CLK_TCK)" | bc -l)"
# Per thread: on an idle machine the index takes about as long as the busiest thread.
for task in /proc/"$pid"/task/*; do
  read -r name < "$task/comm"
  read -r utime stime < <(awk '{print $14, $15}' "$task/stat")
  printf '  thread %-16s %.2f s\n' "$name" "$(echo "($utime + $stime) / $(getconf CLK_TCK)" | bc -l)"
done
echo "$screen" | tail -1
printf 'first screen: %.2f s\nfully indexed: %.2f s\n' "$(echo "$first - $start" | bc)" "$(echo "$loaded - $start" | bc)"

# Each sort: the key, then what the screen shows once the list is sorted.
timed_key() {
  local key=$1 shown=$2 pressed
  pressed=$(now)
  tm send-keys -t bench "$key"
  until tm capture-pane -p -t bench | grep -qF "$shown"; do
    if (( $(echo "$(now) - $pressed > 60" | bc) )); then echo "timed out on $key" >&2; exit 1; fi
    sleep 0.01
  done
  printf 'sort %s (%s): %.2f s\n' "$key" "$shown" "$(echo "$(now) - $pressed" | bc)"
}
for shown in 'Time▲' 'Switch▲' 'Dir▲' 'Type▲' 'Xid▲'; do
  timed_key s "$shown"
done
timed_key S 'Xid▼'
timed_key s 'in capture order'
timed_key S 'No.▼'
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
