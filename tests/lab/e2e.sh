#!/usr/bin/env bash
# End-to-end test with a real Open vSwitch (root; run tests/lab/setup.sh first).
#
# 1. Records basic, vlan and segmented afresh into a temporary directory, and
#    on the way checks that the recording script cleans up after itself: after
#    each normal run, after a run stopped with SIGTERM, and after a run killed
#    with SIGKILL (the next run must remove its leftovers).
# 2. Decodes every fresh capture with `ofscope pcap FILE -T jsonl` and compares
#    it with tshark and ovs-ofctl (tests/lab/diffcheck.py).
#
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
#   OFSC_E2E_ORACLE=tshark    sanity mode without ofscope: tshark's own decode
#                             stands in for ofscope's, and a corrupted copy
#                             must be caught by diffcheck
#   OFSC_E2E_KEEP=1           keep the temporary directory
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
run_dir=${OFSC_RUN:-${TMPDIR:-/tmp}/ofsc-lab}
ofscope=${OFSCOPE:-$repo/target/release/ofscope}
oracle=${OFSC_E2E_ORACLE:-ofscope}
started_at=$(date +%s)
failures=0

note() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*"; }
bad() { note "FAIL: $*"; failures=$((failures + 1)); }

[[ $EUID -eq 0 ]] || { echo "e2e.sh: run as root" >&2; exit 2; }
if [[ $oracle == ofscope && ! -x $ofscope ]]; then
    echo "e2e.sh: no ofscope binary at $ofscope (build it, set OFSCOPE=, or OFSC_E2E_ORACLE=tshark)" >&2
    exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ofsc-e2e.XXXXXX")
if [[ ${OFSC_E2E_KEEP:-0} != 1 ]]; then trap 'rm -rf "$work"' EXIT; fi

# ---------------------------------------------------------------- cleanup checks
# Nothing of the lab may survive a run: namespaces, links named after it,
# processes it started (PID and start time from last-run.pids), pidfiles of
# live processes, or any process naming its private run dir.
assert_clean() {
    local when=$1 left=() pid stime cmd f
    mapfile -t ns < <(ip netns list | awk '{print $1}' | grep -E '^ofsc-' || true)
    (( ${#ns[@]} )) && left+=("namespaces: ${ns[*]}")
    mapfile -t links < <(ip -o link show | awk -F': ' '{print $2}' | grep -E '^ofsc' || true)
    (( ${#links[@]} )) && left+=("links: ${links[*]}")
    if [[ -f $run_dir/last-run.pids ]]; then
        while read -r pid stime cmd; do
            if kill -0 "$pid" 2>/dev/null && [[ $(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null) == "$stime" ]]; then
                left+=("process $pid ($cmd)")
            fi
        done < "$run_dir/last-run.pids"
    else
        left+=("no $run_dir/last-run.pids: the teardown did not run")
    fi
    for f in "$run_dir"/*.pid; do
        [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null && left+=("live pidfile $f")
    done
    pgrep -f "$run_dir/" >/dev/null && left+=("processes naming $run_dir: $(pgrep -f "$run_dir/" | tr '\n' ' ')")
    if (( ${#left[@]} )); then
        bad "left behind $when: ${left[*]}"
    else
        note "clean $when: no namespace, link, process or pidfile left"
    fi
}

record() {   # record SCENARIO
    local t0=$SECONDS
    if "$here/record.sh" "$1" "$work" > "$work/$1.log" 2>&1; then
        note "recorded $1 in $((SECONDS - t0)) s ($(stat -c %s "$work/$1.pcap") bytes)"
    else
        bad "recording $1 failed; last lines:"; tail -20 "$work/$1.log"
    fi
}

# record_interrupted SCENARIO SIGNAL: stop the recorder once its capture runs
record_interrupted() {
    local scen=$1 sig=$2 pid
    "$here/record.sh" "$scen" "$work/interrupted" > "$work/$scen.$sig.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do
        grep -q "switch connected" "$work/$scen.$sig.log" 2>/dev/null && break
        sleep 0.1
    done
    sleep 1
    kill "-$sig" "$pid"
    wait "$pid" 2>/dev/null || true
    note "recorder of $scen stopped with SIG$sig"
}

note "recording into $work"
record basic
assert_clean "after basic"
record vlan
assert_clean "after a second run in a row (vlan)"
record_interrupted noflow TERM
assert_clean "after a run stopped with SIGTERM"
record_interrupted noflow KILL
if ip netns list | grep -q '^ofsc-'; then
    note "SIGKILL left the lab behind, as expected; the next run must clear it"
else
    bad "SIGKILL test: the killed run left nothing, so the leftover cleanup went untested"
fi
record segmented
assert_clean "after the run that followed a SIGKILL (segmented)"
# the segmented capture must really be segmented, or its check proves nothing
python3 "$here/diffcheck.py" segments "$work/segmented.pcap" --min-spanning 100 --min-shared 50 \
    || bad "segmented.pcap is not segmented enough"

# ---------------------------------------------------------------- differential checks
decode() {   # decode CAPTURE > JSONL
    if [[ $oracle == tshark ]]; then
        python3 "$here/diffcheck.py" as-ofscope "$1"
    else
        "$ofscope" pcap "$1" -T jsonl
    fi
}

for scen in basic vlan segmented; do
    capture=$work/$scen.pcap
    [[ -f $capture ]] || continue
    note "diffcheck $scen"
    if ! decode "$capture" > "$work/$scen.jsonl"; then
        bad "decoding $capture failed"
        continue
    fi
    python3 "$here/diffcheck.py" check "$capture" "$work/$scen.jsonl" || bad "diffcheck $scen"
done

if [[ $oracle == tshark ]]; then
    # diffcheck must notice a wrong xid and a wrong VLAN id
    python3 - "$work/vlan.jsonl" > "$work/vlan.corrupt.jsonl" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines[3]['xid'] += 1
tagged = next(l for l in lines if l.get('packet_in', {}).get('data', {}).get('vlan'))
tagged['packet_in']['data']['vlan'][0]['id'] += 1
for l in lines:
    print(json.dumps(l))
EOF
    if python3 "$here/diffcheck.py" check "$work/vlan.pcap" "$work/vlan.corrupt.jsonl" > "$work/corrupt.out"; then
        bad "diffcheck accepted a corrupted decode"
    else
        note "diffcheck rejects a corrupted decode: $(grep -c FAIL "$work/corrupt.out") failing checks"
    fi
fi

note "e2e took $(( $(date +%s) - started_at )) s; $failures failure(s)"
(( failures == 0 ))
