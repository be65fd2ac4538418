#!/usr/bin/env bash
# End-to-end acceptance test of `ofscope replay --into` against the real controllers that
# recorded the samples, each run as it was recorded (tests/lab/record.sh) but listening on
# a loopback port of this machine (no namespaces, no switch: ofscope is the switch).
#
#   ovs-NAME     NAME = basic, vlan (ovs-testcontroller -O OpenFlow10), noflow (--noflow):
#                --into --lockstep --against-recording agrees at least 99 %
#   refctl-NAME  NAME = osken-vip (refctl --flow-idle 5), segmented (--flow-idle 2
#                --connect-probes): the same, against the os-ken reference controller
#   pace         basic at the recorded pace (no lockstep): at least 99 %, and the run takes
#                the recording's time
#   golden-ovs   --update then --assert passes; ovs-testcontroller --noflow fails --assert
#                with exit 1 and a diff
#   golden-osken the same with refctl, changed to another idle timeout
#
# Prints PASS/FAIL per scenario with the agreement measured; exits 1 on any failure.
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
#   OFSC_VENV=DIR             the os-ken venv (default tests/lab/.venv, tests/lab/setup.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=tests/lab/labkit.sh
source "$here/labkit.sh"
lab_script_start replay-into-e2e.sh ofsc-into

VIP=10.0.0.254
VMAC=02:00:00:00:00:fe
MIN_AGREEMENT=99
results=()
ctl_pid=""

finish() {
    local rc=$? line failed=0
    set +e
    [[ -z $ctl_pid ]] || stop "$ctl_pid"
    echo "== ofscope replay --into end-to-end: $(( $(date +%s) - started_at )) s"
    for line in "${results[@]}"; do
        echo "$line"
        [[ $line == PASS* ]] || failed=$(( failed + 1 ))
    done
    echo "== $failed failure(s)"
    if (( failed == 0 && rc == 0 )); then rm -rf "$work"; else say "work directory kept: $work"; rc=1; fi
    exit "$rc"
}
trap finish EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { ss -Hltn "sport = :$1" | grep -q .; }

# ovs CONTROLLER-OPTIONS...: ovs-testcontroller as record.sh runs it; sets $port
ovs() {
    port=$(free_port)
    ovs-testcontroller -O OpenFlow10 "$@" "ptcp:$port:127.0.0.1" --unixctl="$work/tc.$port.ctl" \
        -vconsole:off 2>"$work/tc.$port.err" &
    ctl_pid=$!
    wait_until 15 listening "$port" || { say "ovs-testcontroller did not listen"; return 1; }
}

# refctl OPTIONS...: the lab's os-ken reference controller; sets $port
refctl() {
    local venv=${OFSC_VENV:-$here/.venv}
    [[ -x $venv/bin/python ]] || { say "no os-ken venv at $venv: run tests/lab/setup.sh"; return 1; }
    port=$(free_port)
    "$venv/bin/python" "$here/refctl.py" --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port "$port" \
        --vip "$VIP" --vmac "$VMAC" "$@" 2>"$work/refctl.$port.err" &
    ctl_pid=$!
    wait_until 30 listening "$port" || { say "refctl.py did not listen: $(tail -3 "$work/refctl.$port.err")"; return 1; }
}

ctl_stop() { stop "$ctl_pid"; ctl_pid=""; }

into() { "$ofscope" replay "$repo/samples/$1.pcap" --into "tcp:127.0.0.1:$port" "${@:2}"; }

# agreement NAME SAMPLE REPLAY-OPTIONS...: the controller running, --against-recording
agreement() {
    local name=$1 sample=$2 out pct
    shift 2
    out=$(into "$sample" --against-recording "$@" 2>"$work/$name.err") || true
    echo "$out" > "$work/$name.out"
    pct=$(sed -nE 's/^agreement with the recorded controller: ([0-9.]+)% .*/\1/p' <<<"$out")
    if [[ -n $pct ]] && awk -v p="$pct" -v m="$MIN_AGREEMENT" 'BEGIN { exit !(p >= m) }'; then
        results+=("PASS $name: $(head -1 <<<"$out")")
    else
        results+=("FAIL $name: ${out:0:300} $(head -c 300 "$work/$name.err")")
    fi
}

# golden NAME SAMPLE START-CHANGED...: --update then --assert against the controller
# running now; then, against the changed one that START-CHANGED starts, exit 1 and a diff.
golden() {
    local name=$1 sample=$2 g="$work/$1.golden.json" rc=0 why=""
    shift 2
    into "$sample" --lockstep --speed inf --update "$g" >"$work/$name.update" 2>&1 || why+="--update failed; "
    "$ofscope" replay --assert "$g" --lockstep --speed inf >"$work/$name.assert" 2>&1 || why+="--assert failed: $(head -c 300 "$work/$name.assert"); "
    ctl_stop
    "$@" || why+="the changed controller did not start; "
    into "$sample" --lockstep --speed inf --assert "$g" >"$work/$name.changed" 2>&1 || rc=$?
    ctl_stop
    (( rc == 1 )) || why+="a changed controller gave exit $rc, not 1; "
    grep -q "replay differs from the golden file" "$work/$name.changed" || why+="no mismatch report; "
    grep -qE '^[-+] ' "$work/$name.changed" || why+="no diff lines; "
    if [[ -z $why ]]; then
        results+=("PASS $name: $(grep -m1 'decisions match' "$work/$name.assert"); changed: $(grep -m1 ' of .* decisions differ' "$work/$name.changed")")
    else
        results+=("FAIL $name: $why")
    fi
}

for sample in basic vlan noflow; do
    flags=(); [[ $sample == noflow ]] && flags=(--noflow)
    ovs "${flags[@]}" && agreement "ovs-$sample" "$sample" --lockstep --speed inf
    ctl_stop
done

ovs && {
    t0=$SECONDS
    agreement pace basic
    took=$(( SECONDS - t0 ))
    # basic.pcap spans 22 s from its first message to its last
    (( took >= 20 )) || results+=("FAIL pace-time: the recorded pace took $took s, not the recording's 22")
}
ctl_stop

refctl --flow-idle 5 && agreement refctl-osken-vip osken-vip --lockstep --speed inf
ctl_stop
refctl --flow-idle 2 --connect-probes && agreement refctl-segmented segmented --lockstep --speed inf
ctl_stop

ovs && golden golden-ovs basic ovs --noflow
refctl --flow-idle 5 && golden golden-osken osken-vip refctl --flow-idle 9
