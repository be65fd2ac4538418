#!/usr/bin/env bash
# Drives the real viewer in tmux on the VLAN sample: filter, select, highlight, the Latency
# tab, the analysis tabs under a filter that hides the answers, a search, a go-to-frame, the
# Flows tab scrolled to its actions, then quit and check the terminal is back to normal.
# Asserts on capture-pane output.
# Usage: vlan_filter.sh OFSCOPE_BINARY SAMPLE_PCAP
set -euo pipefail
ofscope=$1
sample=$2
socket="ofscope-tui-test-$$"
session=viewer
tm() { tmux -L "$socket" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "---- screen ----" >&2
  tm capture-pane -p -t "$session" >&2 || true
  exit 1
}

screen() { tm capture-pane -p -t "$session"; }

# Waits until a line of the screen matches $2, a fixed string (-F) or a regex (-E) as $1 says.
wait_until() {
  for _ in $(seq 100); do
    if screen | grep -q "$1" -- "$2"; then return 0; fi
    sleep 0.1
  done
  fail "timed out waiting for: $2"
}
wait_for() { wait_until -F "$1"; }

# The pane runs the viewer, then reports how it ended and the terminal modes it left.
tm new-session -d -s "$session" -x 120 -y 40 \
  "'$ofscope' pcap '$sample'; echo \"EXIT=\$?\"; stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '; echo; echo DONE; sleep 60"
wait_for "messages"
wait_for "loaded"

# 1. Filter.
tm send-keys -t "$session" /
tm send-keys -t "$session" -l 'arp && vlan.id == 10'
wait_for "Filter: arp && vlan.id == 10"
tm send-keys -t "$session" Enter
# Unique lines: each names its frame, so one line is one message.
expected=$("$ofscope" pcap --print -Y 'arp && vlan.id == 10' "$sample" | sort -u | wc -l)
[ "$expected" -gt 0 ] || fail "the text output found no matching message"
wait_for "$expected shown by arp && vlan.id == 10"
# Every listed row is a PACKET_IN or PACKET_OUT (the only messages carrying a frame).
rows=$(screen | sed -n '/^No\. /,/ Detail /p' | sed '1d;$d' | grep -E '^ +[0-9]+ ' || true)
[ -n "$rows" ] || fail "no rows listed after filtering"
if echo "$rows" | grep -vqE ' (PACKET_IN|PACKET_OUT) '; then
  fail "a listed message is not a PACKET_IN/PACKET_OUT"
fi
listed=$(echo "$rows" | wc -l)
[ "$listed" -eq "$expected" ] || fail "listed $listed rows, the text output has $expected"

# 2. Select the second one: the tree opens on the VLAN id, and its bytes are highlighted.
tm send-keys -t "$session" j
wait_for "Messages 2/$expected"
wait_for "VLAN id: 10"
# The 802.1Q tag control field holding VID 10 is `00 0a`; the highlight is a yellow
# background (SGR 48;5;3) opening right before those bytes.
if ! tm capture-pane -p -e -t "$session" | grep -qF $'\e[48;5;3m00 0a'; then
  fail "the VLAN id bytes are not highlighted in the hex pane"
fi

# 3. The Latency tab draws its chart.
tm send-keys -t "$session" 3
wait_for "PacketIn → response"
screen | LC_ALL=C.UTF-8 grep -qP '[\x{2801}-\x{28ff}]' || fail "the latency chart has no points"

# 4. A filter selects rows, not the analysis: with only the PacketIns listed, their answers
#    still count (none unanswered, no false finding), the times are the text output's, and
#    the flow tables are the session's at the selected message.
tm send-keys -t "$session" 1 /
tm send-keys -t "$session" C-u
tm send-keys -t "$session" -l 'of.type == PACKET_IN'
tm send-keys -t "$session" Enter
packet_ins=$("$ofscope" pcap --print -Y 'of.type == PACKET_IN' "$sample" | wc -l)
wait_for "$packet_ins shown by of.type == PACKET_IN"
first_time=$("$ofscope" pcap --print -Y 'of.type == PACKET_IN' -c 1 "$sample" | awk '{print $2}')
screen | grep -qE "^ +[0-9]+ +$first_time " || fail "the first PacketIn is not listed at $first_time"
tm send-keys -t "$session" 3
wait_for "latency over time ($packet_ins pairs)"
tm send-keys -t "$session" 6
wait_for "Findings: "
if screen | grep -q "unanswered"; then fail "a PacketIn is called unanswered"; fi
tm send-keys -t "$session" 1 G 2
wait_for "Flow tables at frame"
screen | grep -qE ": [1-9][0-9]* flows" || fail "no flow in the tables at the last PacketIn"

# 5. Search (Ctrl-F) with no filter: the selection lands on the text output's first
#    PACKET_OUT flooding, as the Flows tab's title (the selected message's frame) says.
tm send-keys -t "$session" 1 /
tm send-keys -t "$session" Enter
wait_for "Filter: none"
printed=$("$ofscope" pcap --print "$sample")
flood=$(echo "$printed" | grep -F 'actions=FLOOD' | awk 'NR == 1 {print $1}')
[ -n "$flood" ] || fail "the text output has no actions=FLOOD"
tm send-keys -t "$session" C-f
tm send-keys -t "$session" -l 'actions=flood'
wait_for "Search: actions=flood"
tm send-keys -t "$session" Enter 2
wait_for "Flow tables at frame $flood at"
# n goes on to the next one.
second=$(echo "$printed" | grep -F 'actions=FLOOD' | awk 'NR == 2 {print $1}')
tm send-keys -t "$session" 1 n 2
wait_for "Flow tables at frame $second at"

# 6. Go to a frame that carries no message (a TCP ACK): the next message is shown, and the
#    bottom line says so.
frames=$(echo "$printed" | awk '{print $1}')
gap=$(echo "$frames" | awk 'NR > 1 && $1 > prev + 1 && !found {print prev + 1; found = 1} {prev = $1}')
next=$(echo "$frames" | awk -v gap="$gap" '$1 > gap && !found {print; found = 1}')
[ -n "$gap" ] && [ -n "$next" ] || fail "no frame without a message in the sample"
tm send-keys -t "$session" 1 g
tm send-keys -t "$session" -l "$gap"
wait_for "Go to frame: $gap"
tm send-keys -t "$session" Enter
wait_for "frame $gap has no OpenFlow message; showing frame $next, the next one"
screen | grep -qE "^ +$next +" || fail "frame $next is not listed"
tm send-keys -t "$session" 2
wait_for "Flow tables at frame $next at"

# 7. The Flows tab at the last message, scrolled sideways: its lines end with their actions.
tm send-keys -t "$session" 1 End 2
wait_for "Flow tables at frame"
flows=$(screen | grep -oE ': [0-9]+ flows' | grep -oE '[0-9]+' | awk 'NR == 1')
table() { screen | sed -n '/ Flow tables at /,/ Flow events /p'; }
if table | grep -qE ' actions=[^ ]+ *$'; then fail "the flows fit the screen before scrolling"; fi
for _ in $(seq 10); do tm send-keys -t "$session" l; done
wait_until -E '^ *[^ ].* actions=output:[0-9]+ *$'
ends=$(table | grep -cE '[,=0-9a-f] actions=output:[0-9]+ *$' || true)
[ -n "$flows" ] && [ "$ends" -eq "$flows" ] || fail "$ends lines end in actions=..., the table has $flows flows"

# 8. Quit: the viewer ends with 0 and leaves the terminal in cooked mode, off the
#    alternate screen.
tm send-keys -t "$session" q
wait_for "DONE"
screen | grep -qx "EXIT=0" || fail "the viewer did not exit with 0"
screen | grep -q "^icanon echo" || fail "the terminal was left in raw mode"
[ "$(tm display-message -p -t "$session" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
if screen | grep -q "Messages"; then fail "the viewer's screen was left behind"; fi
echo "ok: tmux viewer test"
