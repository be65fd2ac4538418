#!/usr/bin/env bash
# The live viewer's follow mode, driven in tmux against a real Open vSwitch (root). It uses
# the lab's building blocks (tests/lab/labkit.sh: namespaces, lock, cleanup):
#
#   1. OVS in the lab's switch namespace, two hosts, ovs-testcontroller --noflow (so every
#      ping is a PACKET_IN and a PACKET_OUT, for as long as the hosts ping);
#   2. an interactive shell in a tmux server of our own (-L) runs
#      `ofscope live -i lo` in that namespace; the switch connects and h1 pings h2;
#   3. checks on capture-pane: the newest message is selected at the bottom of the list
#      and new PACKET_INs keep arriving there; after `k` the status bar says "paused" and
#      the selection stays put while messages arrive; `F` follows again; `q` gives the
#      prompt back, exit 0, the summary, cooked mode and no alternate screen.
#
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
command -v tmux >/dev/null || { echo "follow.sh: needs tmux" >&2; exit 2; }

# shellcheck source=tests/lab/labkit.sh
source "$repo/tests/lab/labkit.sh"
lab_script_start follow.sh ofsl-follow
OFSC_VCONN_LOG=0

socket="ofscope-follow-$$"
session=live
prompt='ofs-prompt$'
tm() { tmux -L "$socket" "$@"; }

# Our tmux server first (it takes the shell and ofscope with it), then the lab.
finish() {
    local rc=$?
    # errexit would end this trap at the `(exit "$rc")` below, before the teardown.
    set +e
    tm kill-server 2>/dev/null
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$EUID/$socket"
    rm -rf "$work"
    (exit "$rc")
    teardown
}

lab_begin finish

screen() { tm capture-pane -p -t "$session"; }

fail() {
    say "FAIL: $*"
    echo "---- screen ----" >&2
    screen >&2 || true
    exit 1
}

# wait_for TEXT: until the screen shows the fixed string.
wait_for() {
    for _ in $(seq 150); do
        if screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    fail "timed out waiting for: $1"
}

# look: one capture of the screen, read into $pos/$total (the status bar's "P/N"), $last_no
# and $last_type (the bottom row of the message list: No. is its frame number), $max_no
# (the highest frame number listed) and $types (every row's type).
look() {
    local shot status rows
    shot=$(screen)
    status=$(grep -F '? help' <<<"$shot" | tail -1)
    read -r pos total < <(tr '│' '\n' <<<"$status" | sed -nE 's#^ *([0-9]+)/([0-9]+) *$#\1 \2#p' | head -1)
    rows=$(sed -n '/^No\. /,/ Detail /p' <<<"$shot" | sed '1d;$d' | grep -E '^ +[0-9]+ ' || true)
    last_no=$(tail -1 <<<"$rows" | awk '{print $1}')
    last_type=$(tail -1 <<<"$rows" | awk '{print $5}')
    max_no=$(awk '{print $1}' <<<"$rows" | sort -n | tail -1)
    types=$(awk '{print $5}' <<<"$rows")
    status_line=$status
}

# until_more N: until the status bar counts more than N messages.
until_more() {
    for _ in $(seq 100); do
        look
        if [[ -n $total ]] && (( total > $1 )); then return 0; fi
        sleep 0.1
    done
    fail "no message arrived after the ${1}th"
}

switch_ns 0
start_ovs
add_host 1; add_host 2
testcontroller --noflow

# The pane is an interactive shell, so "the prompt is back" can be checked at the end.
cat > "$work/run.sh" <<EOF
ip netns exec $SWNS '$ofscope' live -i lo
echo "EXIT=\$?"
stty -a | tr ' ;' '\n\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\n' ' '; echo
EOF
tm new-session -d -s "$session" -x 200 -y 50 "env PS1='$prompt ' bash --norc --noprofile -i"
wait_for "$prompt"
tm send-keys -t "$session" -l "bash $work/run.sh"
tm send-keys -t "$session" Enter
wait_for "capturing, dropped: 0 by the kernel"
wait_for "following"
say "ofscope live is up in tmux ($socket)"

connect_switch
spawn "${HOSTNS}1" ping -n -q -i 0.2 10.0.0.2
ping_pid=$last_pid
say "h1 pings h2 (pid $ping_pid)"

# 1. Following: the newest message is selected, at the bottom, and PACKET_INs keep coming.
wait_for "PACKET_IN"
look
first=$total
until_more $((first + 8))
(( pos == total )) || fail "following, yet $pos/$total is selected"
[[ $last_no == "$max_no" ]] || fail "the bottom row is frame $last_no, the newest listed is frame $max_no"
[[ $last_type == PACKET_IN || $last_type == PACKET_OUT ]] || fail "the bottom row is a $last_type"
grep -qx PACKET_IN <<<"$types" || fail "no PACKET_IN in the list"
say "following: $pos/$total, bottom row frame $last_no $last_type"

# 2. k: following pauses, and says so; new messages do not move the selection.
tm send-keys -t "$session" k
wait_for "paused: F follows"
look
paused_pos=$pos
until_more $((total + 8))
(( pos == paused_pos )) || fail "paused at $paused_pos, but the selection moved to $pos/$total"
[[ $status_line != *following* ]] || fail "paused, yet the status bar says following"
say "paused: stays at $pos while $total messages arrived"

# 3. F: following again.
tm send-keys -t "$session" F
wait_for "│ following"
until_more $((total + 8))
(( pos == total )) || fail "F pressed, yet $pos/$total is selected"
[[ $last_no == "$max_no" ]] || fail "F pressed, yet the bottom row is frame $last_no, not the newest, $max_no"
say "following again: $pos/$total"

# 4. q: the viewer ends, the summary is printed, the terminal is back to normal.
tm send-keys -t "$session" q
wait_for "EXIT="
wait_for "$prompt"
screen | grep -qx "EXIT=0" || fail "ofscope live did not exit with 0"
screen | grep -E "OpenFlow messages.*; 0 dropped by the kernel" || fail "no summary line after the viewer"
screen | grep -q "^icanon echo" || fail "the terminal was left in raw mode"
[[ $(tm display-message -p -t "$session" '#{alternate_on}') == 0 ]] || fail "still on the alternate screen"
[[ $(screen | grep -v '^$' | tail -1) == "$prompt" ]] || fail "the shell prompt is not the last line"
if screen | grep -q "? help"; then fail "the viewer's screen was left behind"; fi

say "ok: live follow test in $(( $(date +%s) - started_at )) s"
echo "ok: live follow"
