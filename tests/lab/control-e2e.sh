#!/usr/bin/env bash
# End-to-end acceptance test of `ofscope control` against a real Open vSwitch
# (root; after tests/lab/setup.sh). The lab's switch (tests/lab/labkit.sh: OVS
# 3.1, userspace datapath, in netns ofsc-sw; hosts h1..h3 in their namespaces)
# connects to ofscope control, which runs in the switch namespace on
# 127.0.0.1:6633 and records each session (-w). Scenarios, one session each:
#
#   learning-V   V = pox, pyswitch-all, simple: every ordered pair of the 3 hosts
#                pings with no loss after the first packet; dump-flows shows V's flows
#   responder    arp + ping apps for 10.0.0.254: arping and ping from every host,
#                and a VLAN-tagged ARP + ping (taghost.py) answered tagged
#   tunnel       tunnel app with a real TAP (ofs-tap0, created by control, given
#                10.0.0.253/24 here): h1 and a tagged h3 are answered by Linux behind it
#   pc-c-V       V = dst-only: "PC C" (h3, static ARP, talks only to learned hosts) is
#                never learned and the traffic back to it keeps reaching the controller;
#                V = pyswitch-all: it is learned, with few PacketIns per flow
#   garbage      an HTTP request and a stalled 65,535-byte message beside the switch: both
#                dropped with one line each, the switch forwarding on its one connection
#   fault        del-controller, the flows deleted, set-controller: the switch comes
#                back and traffic flows again
#   replay-NAME  for every session: `ofscope replay --against-recording` with the same
#                apps agrees 100 %; tshark and ovs-ofctl decode the recording as
#                `ofscope pcap` does (diffcheck.py); what control printed is the recording
#
# Prints PASS/FAIL per scenario and its duration; exits 1 on any failure.
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
#   OFSC_CONTROL_KEEP=1       keep the work directory (kept anyway on failure)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# shellcheck source=tests/lab/labkit.sh
source "$here/labkit.sh"
lab_script_start control-e2e.sh ofsc-control
OFSC_VCONN_LOG=0

VIP=10.0.0.254
VMAC=02:00:00:00:00:fe
TAP=ofs-tap0
TAP_MAC=02:00:00:00:00:fd
TAP_IP=10.0.0.253
PC_C=3                     # the host that plays "PC C"
TAGHOST=(/usr/bin/python3 "$here/taghost.py")
CHECK=(python3 "$here/controlcheck.py")

results=()                 # "PASS|FAIL NAME SECONDS [reasons]", printed at the end
scenario="" scenario_t0=0 problems=()
ctl_pid="" session="" session_apps=()
sessions=()                # recorded sessions: "NAME APP..." for the replay proof

# ---------------------------------------------------------------- reporting
begin() { scenario=$1 scenario_t0=$SECONDS problems=(); say "== $scenario"; }
# the whole reason in the log, its first 160 characters in the summary
bad() { local why="$*"; say "FAIL ($scenario): $why"; problems+=("${why:0:160}"); }
end() {
    local took=$(( SECONDS - scenario_t0 )) verdict=PASS
    (( ${#problems[@]} )) && verdict=FAIL
    results+=("$verdict $scenario ${took}s${problems[*]:+: $(IFS=';'; echo "${problems[*]}")}")
    say "$verdict $scenario (${took} s)"
    scenario=""
}

summary() {
    local line failed=0
    echo "== ofscope control end-to-end: $(( $(date +%s) - started_at )) s"
    for line in "${results[@]}"; do
        echo "$line"
        [[ $line == PASS* ]] || failed=$(( failed + 1 ))
    done
    [[ -z $scenario ]] || { echo "FAIL $scenario: aborted"; failed=$(( failed + 1 )); }
    echo "== $failed failure(s)"
    (( failed == 0 ))
}

finish() {
    local rc=$?
    set +e
    if [[ -n $ctl_pid ]]; then stop "$ctl_pid"; fi
    summary || rc=1
    if [[ ${OFSC_CONTROL_KEEP:-0} == 1 || $rc -ne 0 ]]; then say "work directory kept: $work"; else rm -rf "$work"; fi
    (exit "$rc")
    teardown
}

# ---------------------------------------------------------------- the controller
ctl_listening_or_gone() { grep -q "listening on" "$work/$session.err" || ! alive "$ctl_pid"; }
ctl_connections() { grep -c "connected from" "$work/$session.err" 2>/dev/null || true; }
has_connections() { (( $(ctl_connections) >= $1 )); }

# control_start NAME APP...: ofscope control with these apps, recording NAME.pcap,
# printing jsonl to NAME.jsonl; then the switch connects to it.
control_start() {
    session=$1; shift
    session_apps=("$@")
    local app args=() n
    for app in "$@"; do args+=(--app "$app"); done
    # The switch keeps its flows without a controller (fail-mode secure) and the
    # hosts their neighbours: every session starts from nothing.
    ovs-ofctl -O "$OF_PROTOCOLS" del-flows "$BR"
    for n in 1 2 3; do in_host "$n" ip neigh flush dev eth0; done
    spawn "$SWNS" "$ofscope" control --listen "127.0.0.1:$OF_PORT" -T jsonl -w "$work/$session.pcap" "${args[@]}" \
        >"$work/$session.jsonl" 2>"$work/$session.err"
    ctl_pid=$last_pid
    wait_until 15 ctl_listening_or_gone || true
    if ! grep -q "listening on" "$work/$session.err"; then
        bad "ofscope control did not start: $(head -c 600 "$work/$session.err")"
        stop "$ctl_pid"; ctl_pid=""
        return 1
    fi
    sessions+=("$session ${session_apps[*]}")
    if ! control_connect 1; then
        "${VSCTL[@]}" del-controller "$BR"
        stop "$ctl_pid"; ctl_pid=""
        return 1
    fi
}

# control_connect N: set-controller, then wait for the Nth "connected" line
control_connect() {
    "${VSCTL[@]}" set-controller "$BR" "tcp:127.0.0.1:$OF_PORT"
    if ! wait_until 20 all_channels_open; then bad "the switch did not connect to ofscope control"; return 1; fi
    if ! wait_until 10 has_connections "$1"; then
        bad "control printed no 'switch ... connected from' line for connection $1: $(tail -3 "$work/$session.err")"
        return 1
    fi
    sleep 0.5       # the apps' connect messages (POX's reset) reach the switch
    # Frames that came while no controller was connected made datapath flows that
    # drop (OVS's miss rule without a controller); traffic keeps them alive past the
    # connection, so they go before the session's traffic.
    ovs-appctl -t "$RUN/ovs-vswitchd.ctl" revalidator/purge
}

# control_stop: the switch disconnects, control gets SIGTERM and must exit 0 with its recording
control_stop() {
    local rc=0
    "${VSCTL[@]}" del-controller "$BR"
    wait_until 10 no_channel_open || bad "the OpenFlow connection stayed open after del-controller"
    sleep 0.3
    kill -TERM "$ctl_pid" 2>/dev/null || bad "ofscope control had exited before SIGTERM"
    wait_until 10 bash -c "! kill -0 $ctl_pid" || bad "ofscope control ignored SIGTERM for 10 s"
    wait "$ctl_pid" || rc=$?
    ctl_pid=""
    sed 's/^/    control: /' "$work/$session.err" | tail -15 >&2
    (( rc == 0 )) || bad "ofscope control exited $rc after SIGTERM"
    [[ -s $work/$session.pcap ]] || bad "no recording $session.pcap"
    [[ -s $work/$session.jsonl ]] || bad "control printed no message"
}

flows() { ovs-ofctl -O "$OF_PROTOCOLS" dump-flows "$BR" | tee "$work/$session.flows.txt"; }

# ---------------------------------------------------------------- traffic
# ping_ok FROM DST [COUNT]: no loss after the first packet (its ARP may go slowly)
ping_ok() {
    local from=$1 dst=$2 count=${3:-4} out seq missing=()
    out=$(in_host "$from" ping -n -c "$count" -i 0.2 -W 1 "$dst" 2>&1 || true)
    for (( seq = 2; seq <= count; seq++ )); do
        grep -q "bytes from .*icmp_seq=$seq " <<<"$out" || missing+=("$seq")
    done
    if (( ${#missing[@]} )); then
        bad "h$from -> $dst: no reply to icmp_seq ${missing[*]} ($(tail -2 <<<"$out" | head -1))"
        return 1
    fi
    say "h$from -> $dst: $(grep -o '[0-9]* received' <<<"$out") of $count"
}

# arping_ok FROM DST MAC: every ARP request answered, by MAC
arping_ok() {
    local from=$1 dst=$2 mac=$3 out n
    out=$(in_host "$from" arping -c 3 -w 5 -i eth0 "$dst" 2>&1 || true)
    n=$(grep -ci "bytes from $mac ($dst)" <<<"$out" || true)
    if (( n != 3 )); then bad "h$from arping $dst: $n of 3 replies from $mac ($(tail -1 <<<"$out"))"; return 1; fi
    say "h$from arping $dst: 3 of 3 replies from $mac"
}

# tagged_ok FROM VID PCP DST WANT [taghost options]: WANT = "tagged" (the replies carry
# VID and PCP) or "answered" (tagged or not)
tagged_ok() {
    local from=$1 vid=$2 pcp=$3 dst=$4 want=$5 out n; shift 5
    out=$(in_host "$from" "${TAGHOST[@]}" ping --vid "$vid" --pcp "$pcp" --ip "10.0.0.$from" \
          --dst "$dst" --count 3 --interval 0.5 "$@" 2>&1 || true)
    if [[ $want == tagged ]]; then
        n=$(grep -c "^VLAN $vid PCP $pcp: reply" <<<"$out" || true)
    else
        n=$(grep -c ": reply seq" <<<"$out" || true)
    fi
    if (( n != 3 )); then bad "h$from tagged (VLAN $vid PCP $pcp) ping $dst: $n of 3 $want replies: $(tr '\n' ' ' <<<"$out")"; return 1; fi
    say "h$from tagged (VLAN $vid PCP $pcp) -> $dst: 3 of 3 replies, $(grep -m1 ': reply' <<<"$out" | cut -d: -f1)"
}

all_pairs_ping() {
    local a b
    for a in 1 2 3; do for b in 1 2 3; do
        (( a == b )) || ping_ok "$a" "10.0.0.$b" || true
    done; done
}

mac_of() { printf '00:00:00:00:00:%02x' "$1"; }

# ---------------------------------------------------------------- scenarios
# flow_shape VARIANT: one regular expression an installed host flow of VARIANT matches
# (src/replay/apps/learning.rs: match fields and timeouts), with DST and PORT to fill in.
flow_shape() {
    local head='n_bytes=[0-9]+, '
    case $1 in
        # the exact match of the packet (ICMP here), idle 10 s, hard 30 s
        pox) echo "${head}idle_timeout=10, hard_timeout=30, idle_age=[0-9]+, priority=65535,icmp,in_port=[0-9],vlan_tci=0x0000,dl_src=[0-9a-f:]+,dl_dst=DST,nw_src=[0-9.]+,nw_dst=[0-9.]+,.* actions=output:PORT$" ;;
        # the destination MAC alone, idle 5 s, no hard timeout, the default priority
        pyswitch-all) echo "${head}idle_timeout=5, idle_age=[0-9]+, dl_dst=DST actions=output:PORT$" ;;
        # in_port and both MACs, no timeout
        simple) echo "${head}idle_age=[0-9]+, in_port=[0-9],dl_src=[0-9a-f:]+,dl_dst=DST actions=output:PORT$" ;;
    esac
}

scenario_learning() {
    local variant=$1 table shape n
    begin "learning-$variant"
    control_start "learning-$variant" "learning:variant=$variant" || { end; return; }
    all_pairs_ping
    table=$(flows)
    for n in 1 2 3; do
        shape=$(flow_shape "$variant")
        shape=${shape//DST/$(mac_of "$n")}
        shape=${shape//PORT/$n}
        grep -Eq -- "$shape" <<<"$table" || bad "no $variant flow to h$n in $session.flows.txt (want /$shape/)"
    done
    # other variants' shapes must not be there
    case $variant in
        pyswitch-all|simple) grep -q 'nw_src=' <<<"$table" && bad "an exact-match flow (nw_src) under $variant" ;;
        pox) grep -Eq ' dl_dst=[0-9a-f:]+ actions' <<<"$table" && bad "a destination-only flow under pox" ;;
    esac
    say "$variant: $(grep -c actions= <<<"$table") flows"
    control_stop
    end
}

scenario_responder() {
    local n app_mac="mac=$VMAC"
    begin responder
    control_start responder "arp:ip=$VIP,$app_mac" "ping:ip=$VIP,$app_mac" || { end; return; }
    for n in 1 2 3; do
        arping_ok "$n" "$VIP" "$VMAC" || true
        ping_ok "$n" "$VIP" 3 || true
    done
    tagged_ok 3 10 2 "$VIP" tagged || true
    tagged_ok 1 20 5 "$VIP" tagged || true
    control_stop
    end
}

scenario_tunnel() {
    local rx
    begin tunnel
    control_start tunnel "tunnel:tap=$TAP,mac=$TAP_MAC" || { end; return; }
    if ! wait_until 10 in_sw ip link show "$TAP"; then
        bad "control did not create the TAP $TAP: $(tail -3 "$work/tunnel.err")"
    else
        if ! in_sw ip link show "$TAP" | grep -qi "link/ether $TAP_MAC"; then
            say "note: $TAP has $(in_sw ip -br link show "$TAP" | awk '{print $3}'), not $TAP_MAC: set here"
        fi
        # (a TAP that control made goes when control does, so each step may find it gone)
        if ! { in_sw ip link set "$TAP" address "$TAP_MAC" && in_sw ip addr add "$TAP_IP/24" dev "$TAP" \
               && in_sw ip link set "$TAP" up; }; then
            bad "$TAP vanished while the test set it up"
        else
            ping_ok 1 "$TAP_IP" 4 || true
            in_host 1 ip neigh show "$TAP_IP" | grep -qi "$TAP_MAC" || bad "h1 did not resolve $TAP_IP to $TAP_MAC"
            # The tunnel takes the tag off on the way in (the TAP has no VLAN), so the
            # answer to a tagged host may come back untagged.
            tagged_ok 3 10 0 "$TAP_IP" answered --accept-untagged || true
            rx=$(in_sw cat "/sys/class/net/$TAP/statistics/rx_packets" 2>/dev/null || echo 0)
            (( rx > 0 )) || bad "the Linux stack behind $TAP received nothing (or $TAP is gone)"
            say "$TAP: $rx packets in"
        fi
    fi
    control_stop
    [[ -s $work/tunnel.tap.pcap ]] || bad "no TAP recording tunnel.tap.pcap beside tunnel.pcap"
    # a persistent TAP outlives control; it is ours to remove (the namespace would take it too)
    if in_sw ip link show "$TAP" >/dev/null 2>&1; then say "$TAP outlived control: removed"; in_sw ip link del "$TAP" || true; fi
    end
}

# "PC C": h1 and h2 talk all along, so their flows exist; then h3, with static ARP
# entries (it never broadcasts), pings h1: every frame it sends goes to a learned host.
scenario_pc_c() {
    local variant=$1 expect=$2 bg t0 t1 n
    begin "pc-c-$variant"
    control_start "pc-c-$variant" "learning:variant=$variant" || { end; return; }
    for n in 1 2; do
        in_host "$PC_C" ip neigh replace "10.0.0.$n" lladdr "$(mac_of "$n")" dev eth0 nud permanent
    done
    in_host 1 ping -n -q -i 0.2 -w 14 10.0.0.2 >/dev/null 2>&1 &
    bg=$!
    wait_until 5 bash -c "ovs-ofctl -O $OF_PROTOCOLS dump-flows $BR | grep -q 'dl_dst=$(mac_of 1)'" \
        || bad "h1 <-> h2 installed no flow towards h1"
    sleep 1
    t0=$(date +%s%N)
    ping_ok "$PC_C" 10.0.0.1 20 || true
    t1=$(date +%s%N)
    flows >/dev/null
    kill "$bg" 2>/dev/null || true; wait "$bg" || true
    control_stop
    "$ofscope" pcap "$work/$session.pcap" -T jsonl > "$work/$session.recorded.jsonl" || bad "ofscope pcap $session.pcap failed"
    "${CHECK[@]}" pc-c "$work/$session.recorded.jsonl" --mac "$(mac_of "$PC_C")" --from "$t0" --to "$t1" \
        --expect "$expect" > "$work/$session.pc-c.txt" || bad "$(grep FAIL "$work/$session.pc-c.txt" | tr '\n' ' ')"
    sed 's/^/    /' "$work/$session.pc-c.txt" >&2
    if [[ $expect == unlearned ]]; then
        grep -q "dl_dst=$(mac_of "$PC_C")" "$work/$session.flows.txt" && bad "a flow towards PC C in the switch"
    fi
    end
}

scenario_fault() {
    local out
    begin fault
    control_start fault "learning:variant=pox" || { end; return; }
    ping_ok 1 10.0.0.2 || true
    "${VSCTL[@]}" del-controller "$BR"
    wait_until 10 no_channel_open || bad "the connection stayed open after del-controller"
    ovs-ofctl -O "$OF_PROTOCOLS" del-flows "$BR"
    # without a controller and without flows nothing passes (fail-mode secure)
    out=$(in_host 1 ping -n -c 2 -i 0.2 -W 1 10.0.0.2 2>&1 || true)
    grep -q " 0 received" <<<"$out" || bad "traffic passed with no controller: $(tail -2 <<<"$out" | head -1)"
    if control_connect 2; then
        say "the switch came back: $(grep -c 'connected from' "$work/fault.err") connections"
        ping_ok 1 10.0.0.2 || true
        ping_ok 3 10.0.0.2 || true
    fi
    control_stop
    end
}

# fault_client garbage|stall: a client beside the switch that control must drop. garbage
# sends an HTTP request (its "header" announces 21,536 bytes), stall a HELLO and then 108
# bytes of a message that announces 65,535 and nothing more. Exit 0 once control closed the
# connection, in time.
fault_client() {
    in_sw python3 - "$OF_PORT" "$1" <<'PY'
import socket, struct, sys, time
port, kind = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
if kind == "garbage":
    s.sendall(b"GET / HTTP/1.1\r\nHost: ofscope\r\n\r\n")
    limit = 3
else:
    s.sendall(struct.pack("!BBHI", 1, 0, 8, 1))
    s.sendall(struct.pack("!BBHI", 1, 2, 65535, 2) + b"x" * 100)
    limit = 25  # three echo intervals of 5 s, and room
s.settimeout(limit)
start = time.time()
try:
    while s.recv(65536):  # HELLO, FEATURES_REQUEST, ECHO_REQUEST: read, never answered
        pass
except socket.timeout:
    sys.exit("still open after %d s" % limit)
except ConnectionResetError:
    pass
print("closed by control after %.1f s" % (time.time() - start))
PY
}

# Garbage and a stalled 65,535-byte message beside the real switch: both dropped with one
# line each, while the switch keeps forwarding on its one connection.
scenario_garbage() {
    local garbage stall
    begin garbage
    control_start garbage "learning:variant=pox" || { end; return; }
    unset 'sessions[-1]'   # its recording holds the garbage: no replay proof for it
    ping_ok 1 10.0.0.2 || true
    fault_client garbage > "$work/garbage.txt" 2>&1 & garbage=$!
    fault_client stall > "$work/stall.txt" 2>&1 & stall=$!
    wait "$garbage" || bad "garbage client: $(tail -1 "$work/garbage.txt")"
    ping_ok 2 10.0.0.3 || true
    wait "$stall" || bad "stalled client: $(tail -1 "$work/stall.txt")"
    say "garbage: $(tail -1 "$work/garbage.txt"); stalled message: $(tail -1 "$work/stall.txt")"
    (( $(grep -c 'dropped: not an OpenFlow switch' "$work/garbage.err") == 1 )) \
        || bad "not one drop line for the garbage: $(grep dropped "$work/garbage.err" | tr '\n' '|')"
    (( $(grep -c 'dropped: stalled in the middle of a message (108 of 65535 bytes)' "$work/garbage.err") == 1 )) \
        || bad "not one drop line for the stalled message: $(grep dropped "$work/garbage.err" | tr '\n' '|')"
    ping_ok 3 10.0.0.1 || true
    (( $(grep -c 'connected from' "$work/garbage.err") == 1 )) || bad "the switch had to reconnect"
    control_stop
    end
}

# The replay proof of one recorded session: "NAME APP..."
replay_proof() {
    local name=$1 app args=() out agreement
    shift
    for app in "$@"; do args+=(--app "$app"); done
    begin "replay-$name"
    if [[ ! -s $work/$name.pcap ]]; then bad "no recording"; end; return; fi
    out=$(timeout 120 "$ofscope" replay "$work/$name.pcap" "${args[@]}" --against-recording 2>&1) || bad "replay exited $?"
    agreement=$(grep -m1 "^agreement with the recorded controller" <<<"$out" || true)
    say "${agreement:-no agreement line}"
    if [[ ! $agreement =~ :\ 100\.00%\ \(([0-9]+)\ of\ ([0-9]+)\ decisions\) ]]; then
        bad "not 100 %: $(head -c 1500 <<<"$out" | tr '\n' '|')"
    elif (( BASH_REMATCH[2] == 0 )); then
        bad "no decision to agree on"
    fi
    timeout 60 "$ofscope" pcap "$work/$name.pcap" -T jsonl > "$work/$name.recorded.jsonl" || bad "ofscope pcap failed"
    if timeout 120 python3 "$here/diffcheck.py" check "$work/$name.pcap" "$work/$name.recorded.jsonl" > "$work/$name.diffcheck.txt" 2>&1; then
        say "tshark and ovs-ofctl agree with ofscope pcap: $(head -1 "$work/$name.diffcheck.txt")"
    else
        bad "diffcheck: $(grep -E '^FAIL' "$work/$name.diffcheck.txt" | head -5 | tr '\n' '|')"
    fi
    grep -q '^skip  ovs-ofctl' "$work/$name.diffcheck.txt" && bad "ovs-ofctl cannot read it: $(grep '^skip' "$work/$name.diffcheck.txt")"
    "${CHECK[@]}" same-messages "$work/$name.jsonl" "$work/$name.recorded.jsonl" > "$work/$name.same.txt" \
        || bad "printed vs recorded: $(grep FAIL "$work/$name.same.txt")"
    say "$(head -1 "$work/$name.same.txt")"
    end
}

# ---------------------------------------------------------------- run
lab_begin finish

switch_ns 0
start_ovs
add_host 1; add_host 2; add_host 3

for variant in pox pyswitch-all simple; do scenario_learning "$variant"; done
scenario_responder
scenario_tunnel
scenario_pc_c dst-only unlearned
scenario_pc_c pyswitch-all learned
scenario_fault
scenario_garbage
for s in "${sessions[@]}"; do
    # shellcheck disable=SC2086 # NAME APP... (no app spec holds a space)
    replay_proof $s
done
