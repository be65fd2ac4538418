#!/usr/bin/env bash
# The hostile-input suite: inputs made to exhaust memory or time, or to destroy a file, each run
# with its expected exit code, a bound on peak RSS and on time, and at most one line on stderr.
#
#   bench/hostile.sh [--small] [--ofscope BIN] [--keep DIR]
#
# The default sizes are the acceptance figures of issue 14 (20,000 switches, 100,000 HELLO-only
# connections, 1,000,000 flows...) and take a few minutes, most of it making the captures;
# --small runs the same inputs at sizes a test can afford (tests/it/hostile_suite.rs). Prints a
# line per input and exits 1 if any bound is broken. Needs python3, gzip and GNU time
# (/usr/bin/time); the viewer row also needs tmux and is skipped, with a line, without it.
set -euo pipefail
cd "$(dirname "$0")/.."

ofscope=target/release/ofscope
small=false
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=true ;;
    --ofscope) ofscope="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: bench/hostile.sh [--small] [--ofscope BIN] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done
ofscope=$(realpath "$ofscope")
[ -x "$ofscope" ] || { echo "hostile.sh: no ofscope at $ofscope; build it with cargo build --release" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || [ -x /usr/bin/time ] || { echo "hostile.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }

# Sizes, and the bounds that hold at those sizes: the large ones are the issue's; the small ones
# are tight enough that per-switch histograms or a quadratic table walk break them.
if $small; then
  switches=500 reconnects=2000 hellos=40000 flows=2000 more_flows=20000 viewer_switches=200
  echo_mib=4 bomb_mib=64 garbage_mib=4
  table_mib=64 table_s=2 hellos_mib=128 hellos_s=2 flows_mib=64 more_flows_mib=128 more_flows_s=2 viewer_mib=100
else
  switches=20000 reconnects=20000 hellos=100000 flows=100000 more_flows=1000000 viewer_switches=5000
  echo_mib=32 bomb_mib=4096 garbage_mib=256
  table_mib=256 table_s=60 hellos_mib=512 hellos_s=10 flows_mib=512 more_flows_mib=2048 more_flows_s=60 viewer_mib=300
fi

dir=${keep:-$(mktemp -d)}
mkdir -p "$dir"
[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT
gen() { # SHAPE N FILE: made once, kept with --keep
  [ -s "$dir/$3" ] || python3 bench/hostile_capture.py "$1" "$2" "$dir/$3"
}

failures=0
printf '%-44s %5s %9s %9s  %s\n' input exit "peak MiB" seconds verdict

# check NAME EXIT MAX_MIB MAX_SECONDS -- COMMAND...: runs COMMAND (stdout discarded) and holds it
# to its exit code, peak RSS, time and a stderr of at most one line.
check() {
  local name=$1 want_exit=$2 max_mib=$3 max_s=$4
  shift 5
  local err="$dir/stderr" measure="$dir/time"
  local code=0
  /usr/bin/time -o "$measure" -f '%e %M' "$@" >/dev/null 2>"$err" || code=$?
  # GNU time appends "Command exited with non-zero status N" before its own line.
  local seconds kib
  read -r seconds kib < <(tail -n 1 "$measure")
  local mib=$(( kib / 1024 )) verdict=ok
  [ "$code" = "$want_exit" ] || verdict="exit $code, expected $want_exit"
  [ "$mib" -le "$max_mib" ] || verdict="peak RSS $mib MiB over $max_mib MiB"
  awk -v s="$seconds" -v m="$max_s" 'BEGIN { exit !(s > m) }' && verdict="$seconds s over $max_s s"
  [ "$(wc -l < "$err")" -le 1 ] || verdict="$(wc -l < "$err") lines on stderr: $(head -c 300 "$err")"
  if grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$err"; then verdict="a control character on stderr"; fi
  printf '%-44s %5s %9s %9s  %s\n' "$name" "$code" "$mib" "$seconds" "$verdict"
  [ "$verdict" = ok ] || failures=$((failures + 1))
}

gen switches "$switches" switches.pcap
check "--stats, $switches switches" 0 "$table_mib" "$table_s" -- "$ofscope" pcap "$dir/switches.pcap" --stats -q
gen reconnects "$reconnects" reconnects.pcap
check "--stats, one switch reconnecting $reconnects times" 0 "$table_mib" "$table_s" -- "$ofscope" pcap "$dir/reconnects.pcap" --stats -q
gen hellos "$hellos" hellos.pcap
check "--findings, $hellos HELLO-only connections" 0 "$hellos_mib" "$hellos_s" -- "$ofscope" pcap "$dir/hellos.pcap" --findings
gen flows "$flows" flows.pcap
check "--flows, $flows distinct flows" 0 "$flows_mib" 5 -- "$ofscope" pcap "$dir/flows.pcap" --flows
gen flows "$more_flows" more-flows.pcap
check "--flows, $more_flows distinct flows" 0 "$more_flows_mib" "$more_flows_s" -- "$ofscope" pcap "$dir/more-flows.pcap" --flows

gen echoes "$echo_mib" echoes.pcap
needle=$(python3 -c "print(':'.join(['00'] * 39999 + ['01']))")
check "contains, 40 KB needle over $echo_mib MiB" 0 256 10 -- "$ofscope" pcap "$dir/echoes.pcap" -Y "of.echo.data contains $needle"
gen vlans 16000 vlans.pcap
check "a frame of 16,000 VLAN tags" 0 64 5 -- "$ofscope" pcap "$dir/vlans.pcap" -V
[ -s "$dir/garbage.pcap" ] || python3 bench/random_capture.py "$dir/garbage.pcap" "$garbage_mib" >/dev/null
check "$garbage_mib MiB of random payload" 0 256 120 -- "$ofscope" pcap "$dir/garbage.pcap" -T jsonl

gen bomb "$bomb_mib" bomb.pcap.gz
check "gzip bomb ($bomb_mib MiB of empty records)" 0 64 300 -- "$ofscope" pcap "$dir/bomb.pcap.gz"
gen flows 10 tunnel.pcap
# The TAP input is streamed, and records of no bytes are skipped and counted in one warning.
check "tap-input= a gzip bomb" 0 64 120 -- "$ofscope" replay "$dir/tunnel.pcap" --app "tunnel:mac=02:00:00:00:00:fe,tap-input=$dir/bomb.pcap.gz"
check "replay --assert /dev/zero" 2 64 10 -- "$ofscope" replay --assert /dev/zero
check "decode --raw /dev/zero" 2 64 10 -- "$ofscope" decode --raw /dev/zero

# Output onto an input is refused and the input stays byte-identical.
cp "$dir/flows.pcap" "$dir/input.pcap"
sum=$(cksum < "$dir/input.pcap")
check "pcap X -w X" 2 64 5 -- "$ofscope" pcap "$dir/input.pcap" -w "$dir/input.pcap"
check "replay X --update X" 2 64 5 -- "$ofscope" replay "$dir/input.pcap" --update "$dir/input.pcap"
if [ "$(cksum < "$dir/input.pcap")" != "$sum" ]; then
  echo "the input of -w / --update changed"; failures=$((failures + 1))
fi

# The viewer: started on a terminal (tmux), given time to load, its peak RSS read from /proc.
if command -v tmux >/dev/null; then
  gen switches "$viewer_switches" viewer.pcap
  session="ofscope-hostile-$$"
  tmux new-session -d -s "$session" -x 200 -y 50 "exec $ofscope pcap $dir/viewer.pcap"
  pid=$(tmux list-panes -t "$session" -F '#{pane_pid}')
  for _ in $(seq 50); do
    tmux capture-pane -p -t "$session" | grep -q 'Switches' && break
    sleep 0.2
  done
  sleep 2
  kib=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  kill "$pid" 2>/dev/null || true
  tmux kill-session -t "$session" 2>/dev/null || true
  mib=$(( kib / 1024 )) verdict=ok
  [ "$mib" -le "$viewer_mib" ] || { verdict="peak RSS $mib MiB over $viewer_mib MiB"; failures=$((failures + 1)); }
  printf '%-44s %5s %9s %9s  %s\n' "viewer, $viewer_switches switches" - "$mib" - "$verdict"
else
  echo "viewer row skipped: tmux is not installed"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures input(s) broke their bounds"
  exit 1
fi
echo "every input within its bounds"
