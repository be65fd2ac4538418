#!/usr/bin/env bash
# End-to-end test of `ofscope live` against a real Open vSwitch (root; after
# tests/lab/setup.sh). It uses the lab's building blocks (tests/lab/labkit.sh:
# same namespaces, lock and cleanup) with a scenario of its own:
#
#   1. OVS in the lab's switch namespace, three hosts, ovs-testcontroller;
#   2. `ofscope live -i lo -T jsonl -w live.pcap` and tcpdump, both on that
#      namespace's loopback, start before the switch connects;
#   3. the hosts ping and arping; the switch disconnects; both captures stop
#      (ofscope with SIGINT, as Ctrl-C);
#   4. checks: ofscope's printed messages equal those decoded from tcpdump's
#      file (counts per type, the (frame, direction, type, xid) list, by tshark
#      via diffcheck.py, plus diffcheck's field comparison), `ofscope pcap
#      live.pcap` prints exactly what live printed, and no frame was dropped.
#
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
#   OFSC_LIVE_KEEP=1          keep the work directory
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
lab=$repo/tests/lab

# shellcheck source=tests/lab/labkit.sh
source "$lab/labkit.sh"
lab_script_start e2e-live.sh ofsl-e2e
OFSC_VCONN_LOG=0
live_pid=""

# The lab's teardown, after ofscope is stopped the Ctrl-C way and the work dir is handled.
finish() {
    local rc=$?
    # errexit would end this trap at the `(exit "$rc")` below, before the teardown.
    set +e
    if [[ -n $live_pid ]]; then stop "$live_pid" INT; fi
    if [[ ${OFSC_LIVE_KEEP:-0} == 1 || $rc -ne 0 ]]; then say "work directory kept: $work"; else rm -rf "$work"; fi
    (exit "$rc")
    teardown
}

lab_begin finish

switch_ns 0
start_ovs
add_host 1; add_host 2; add_host 3
testcontroller

spawn "$SWNS" "$ofscope" live -i lo -T jsonl -w "$work/live.pcap" >"$work/live.jsonl" 2>"$work/live.err"
live_pid=$last_pid
wait_until 15 grep -q "capturing on lo" "$work/live.err" || fail "ofscope live did not start: $(cat "$work/live.err")"
say "ofscope live capturing (pid $live_pid)"
capture_start "$work/tcpdump.pcap"
connect_switch

in_host 1 ping -n -q -c 5 -i 0.2 10.0.0.2 >/dev/null || say "h1 ping: exit $?"
in_host 2 arping -q -i eth0 -c 3 10.0.0.3 || say "h2 arping: exit $?"
in_host 3 ping -n -q -c 3 -s 1400 -i 0.2 10.0.0.1 >/dev/null || say "h3 ping: exit $?"
in_host 1 ping -n -q -c 2 -i 0.2 10.0.0.3 >/dev/null || say "h1 ping: exit $?"

disconnect_switch
capture_stop
sleep 0.5
kill -INT "$live_pid"     # as Ctrl-C
wait_until 10 bash -c "! kill -0 $live_pid" || say "ofscope live ignored SIGINT"
wait "$live_pid" && live_rc=0 || live_rc=$?
live_pid=""
cat "$work/live.err" >&2

failures=0
bad() { say "FAIL: $*"; failures=$((failures + 1)); }

(( live_rc == 0 )) || bad "ofscope live exited $live_rc"
grep -q "0 dropped by the kernel, 0 by the interface" "$work/live.err" || bad "ofscope live reported drops"
[[ -s $work/live.jsonl ]] || bad "ofscope live printed nothing"

# What ofscope printed vs what tshark decodes from tcpdump's file.
python3 "$lab/diffcheck.py" as-ofscope "$work/tcpdump.pcap" > "$work/tcpdump.jsonl"
python3 - "$work/live.jsonl" "$work/tcpdump.jsonl" <<'EOF' || bad "live messages differ from tcpdump's"
import collections, json, sys
def load(path):
    return [json.loads(line) for line in open(path)]
live, dump = load(sys.argv[1]), load(sys.argv[2])
key = lambda m: (m['frame'], m['from'], m['type'], m['xid'])
count = lambda ms: collections.Counter(m['type'] for m in ms)
ok = True
if count(live) != count(dump):
    print('counts per type differ:\n  live    %s\n  tcpdump %s' % (dict(count(live)), dict(count(dump))))
    ok = False
lk, dk = [key(m) for m in live], [key(m) for m in dump]
if lk != dk:
    first = next((i for i, (a, b) in enumerate(zip(lk, dk)) if a != b), min(len(lk), len(dk)))
    print('message lists differ at #%d: live %s, tcpdump %s' % (first + 1, lk[first:first + 1], dk[first:first + 1]))
    ok = False
print('live vs tcpdump: %d messages, %s' % (len(live), dict(sorted(count(live).items()))))
sys.exit(0 if ok else 1)
EOF
# Field by field against tshark and ovs-ofctl on tcpdump's file (frame numbers agree).
python3 "$lab/diffcheck.py" check "$work/tcpdump.pcap" "$work/live.jsonl" > "$work/diffcheck.out" \
    || { tail -20 "$work/diffcheck.out"; bad "diffcheck of the live output"; }

# The saved file gives the same list again, byte for byte.
"$ofscope" pcap "$work/live.pcap" -T jsonl > "$work/replayed.jsonl" || bad "ofscope pcap live.pcap failed"
cmp -s "$work/live.jsonl" "$work/replayed.jsonl" || bad "ofscope pcap live.pcap differs from what live printed"
# tcpdump and tshark read the saved file too.
tcpdump -nr "$work/live.pcap" > /dev/null 2>&1 || bad "tcpdump cannot read live.pcap"
[[ $(tshark -r "$work/live.pcap" 2>/dev/null | wc -l) == $(tshark -r "$work/tcpdump.pcap" 2>/dev/null | wc -l) ]] \
    || bad "live.pcap and tcpdump.pcap hold different frame counts"

say "e2e-live took $(( $(date +%s) - started_at )) s; $failures failure(s)"
(( failures == 0 ))
