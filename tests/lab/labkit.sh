# shellcheck shell=bash
# Building blocks of the recording lab, sourced by record.sh.
#
# Everything the lab creates carries the prefix "ofsc":
#   netns ofsc-sw     ovsdb-server, ovs-vswitchd (bridge ofscbr0, netdev datapath),
#                     the controller and the capture; the OpenFlow channel runs on
#                     this namespace's own loopback, so the machine's ports stay free
#   netns ofsc-hN     host N: eth0 00:00:00:00:00:0N, 10.0.0.N/24; its veth peer
#                     ofsc-pN sits in ofsc-sw and is OpenFlow port N
#   netns ofsc-ctl    only when a scenario calls controller_ns: the controller and
#                     the capture, linked to ofsc-sw by the veth pair ofsc-c0/ofsc-c1
#   bridge ofscbr1    only in scenarios with a second switch (dpid ...:02)
#   netns ofsc-sw2    only in "gre": a second Open vSwitch of its own (run dir
#                     $OFSC_RUN/sw2), the far end of the GRE tunnel; ofsc-u0/ofsc-u1
#                     is the underlay between the two switch namespaces, ofsc-c0/ofsc-c1
#                     carries the second switch's OpenFlow channel
#   $OFSC_RUN         private OVS run/db/log dir, plus started.pids: one
#                     "PID STARTTIME COMMAND" line per process this lab started

set -euo pipefail

LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=${OFSC_RUN:-${TMPDIR:-/tmp}/ofsc-lab}
SWNS=ofsc-sw
SW2NS=ofsc-sw2            # the second switch namespace of "gre"
HOSTNS=ofsc-h
PORTIF=ofsc-p
BR=ofscbr0
MAX_HOSTS=4
DPID=0000000000000001
CTLNS=$SWNS               # where the controller and the capture run (controller_ns moves them)
CTL_NS_OWN=ofsc-ctl
CTL_LINK=ofsc-c           # ofsc-c0 in the switch namespace, ofsc-c1 in the controller's
OF_PROTOCOLS=OpenFlow10   # the bridges' protocols and the controller's -O
VENV=${OFSC_VENV:-$LAB_HOME/.venv}

# The start of a script that tests ofscope in the lab: as root, with the binary (OFSCOPE, or
# the release build) in $ofscope, a fresh work directory in $work (TMPDIR/PREFIX.XXXXXX) and
# the start time in $started_at. Usage: lab_script_start NAME PREFIX
lab_script_start() {
    local name=$1 prefix=$2
    ofscope=$(realpath -m "${OFSCOPE:-$LAB_HOME/../../target/release/ofscope}")
    [[ $EUID -eq 0 ]] || { echo "$name: run as root" >&2; exit 2; }
    [[ -x $ofscope ]] || { echo "$name: no ofscope binary at $ofscope (build it or set OFSCOPE=)" >&2; exit 2; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
    started_at=$(date +%s)
}
OF_ADDR=127.0.0.1         # ::1 for the OpenFlow channel over IPv6
OF_PORT=6633
PIDS_FILE=$RUN/started.pids
VSCTL=(ovs-vsctl --db="unix:$RUN/db.sock" --timeout=20)
export OVS_RUNDIR=$RUN OVS_LOGDIR=$RUN OVS_DBDIR=$RUN OVS_SYSCONFDIR=$RUN

started=()          # PIDs this run started, killed in reverse order at exit
last_pid=""
capture_pids=()     # one per capture file (a scenario may record two at once)
bridges=()          # the bridges start_ovs and add_bridge made
bridge_dirs=()      # the run dir of each bridge's Open vSwitch (OVS_RUNDIR when it was made)
bridge_ns=()        # the namespace of each bridge's Open vSwitch
ovs_dirs=()         # the run dir of each Open vSwitch started
controller_pid=""
ovs_up=0

say() { printf '[ofsc %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }
# OVS writes IPv6 addresses in brackets: tcp:[::1]:6653
of_host() { if [[ $OF_ADDR == *:* ]]; then echo "[$OF_ADDR]"; else echo "$OF_ADDR"; fi; }
in_sw() { ip netns exec "$SWNS" "$@"; }
in_ctl() { ip netns exec "$CTLNS" "$@"; }
in_host() { local n=$1; shift; ip netns exec "$HOSTNS$n" "$@"; }

# Field 22 of /proc/PID/stat: start time, so a recycled PID is never mistaken for ours.
start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }

# spawn NETNS CMD...: start CMD in the background inside NETNS and remember it.
# "ip netns exec" execs CMD in place, so $! is CMD itself. (Backgrounding a shell
# function instead would give the PID of a subshell, and killing that orphans CMD.)
spawn() {
    local ns=$1; shift
    ip netns exec "$ns" "$@" {lock_fd}>&- &
    last_pid=$!
    started+=("$last_pid")
    echo "$last_pid $(start_time "$last_pid") $1" >> "$PIDS_FILE"
}

alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

wait_until() {   # wait_until SECONDS CMD...
    local tenths=$(( $1 * 10 )); shift
    while (( tenths-- > 0 )); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# stop PID [SIGNAL]: stop a child of ours, escalate to KILL after 5 s, reap it.
stop() {
    local pid=$1 sig=${2:-TERM}
    alive "$pid" || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    wait_until 5 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Leftovers of an earlier run of this lab that was killed before its trap ran:
# the processes it recorded in started.pids (only if PID and start time still
# match), anything still running in our namespaces, then the namespaces.
clean_leftovers() {
    local pid stime _cmd ns n
    if [[ -f $PIDS_FILE ]]; then
        while read -r pid stime _cmd; do
            if alive "$pid" && [[ $(start_time "$pid") == "$stime" ]]; then
                say "leftover: killing $pid ($_cmd) of an earlier run"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done < "$PIDS_FILE"
        rm -f "$PIDS_FILE"
    fi
    for ns in $(our_namespaces); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            say "leftover: killing $pid inside netns $ns"
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for ns in $(our_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
    for (( n = 1; n <= MAX_HOSTS; n++ )); do ip link del "$PORTIF$n" 2>/dev/null || true; done
}

our_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^($SWNS|$SW2NS|$CTL_NS_OWN|$HOSTNS[0-9]+)$" || true; }

teardown() {
    local rc=$? i dir
    set +e
    trap - EXIT INT TERM
    for (( i = 0; i < ${#capture_pids[@]}; i++ )); do stop "${capture_pids[$i]}" TERM; done
    if (( ovs_up )); then
        for (( i = 0; i < ${#bridges[@]}; i++ )); do
            vsctl_of "${bridge_dirs[$i]}" --if-exists del-br "${bridges[$i]}" 2>/dev/null
        done
        for dir in "${ovs_dirs[@]}"; do ovs-appctl -t "$dir/ovs-vswitchd.ctl" exit --cleanup 2>/dev/null; done
    fi
    for (( i = ${#started[@]} - 1; i >= 0; i-- )); do stop "${started[$i]}"; done
    # The namespace takes the bridge's tap, ovs-netdev and the veths with it.
    for ns in $(our_namespaces); do ip netns del "$ns" 2>/dev/null; done
    # kept for the e2e test, which checks that none of them survived
    mv -f "$PIDS_FILE" "$RUN/last-run.pids" 2>/dev/null
    say "cleaned up (exit $rc)"
    exit "$rc"
}

arm_teardown() {
    trap teardown EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# lab_begin [HANDLER]: the start of every lab run: the lock, what a killed run left, the
# teardown armed; HANDLER (which must call teardown) replaces it at exit when given.
lab_begin() {
    take_lock
    clean_leftovers
    arm_teardown
    if [[ ${1:-} ]]; then trap "$1" EXIT; fi
}

# One run at a time: the names above are fixed. Children get the lock fd
# closed ({lock_fd}>&-), so orphans of a killed run cannot hold the lock.
lock_fd=""
take_lock() {
    mkdir -p "$RUN"
    exec {lock_fd}>"$RUN.lock"
    flock -w 600 "$lock_fd" || fail "another lab run holds $RUN.lock"
}

# switch_ns [ipv6] [lo-mtu]: the switch namespace; a small lo MTU with GSO off
# makes TCP really send MSS-sized segments (GSO super-segments are captured whole).
switch_ns() {
    local ipv6=${1:-0} mtu=${2:-}
    ip netns add "$SWNS"
    if (( ! ipv6 )); then in_sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1; fi
    in_sw ip link set lo up
    if [[ -n $mtu ]]; then
        in_sw ip link set lo mtu "$mtu" gso_max_segs 1
        say "$SWNS lo: mtu $mtu, gso_max_segs 1"
    fi
}

start_ovs() {
    ovs_in "$SWNS" "$RUN"
    add_bridge "$BR" "$DPID" 02:00:00:00:00:ff
}

# vsctl_of DIR ARGS...: ovs-vsctl on the Open vSwitch whose run dir is DIR
vsctl_of() { local dir=$1; shift; ovs-vsctl --db="unix:$dir/db.sock" --timeout=20 "$@"; }

# ovs_in NETNS DIR: an Open vSwitch (ovsdb-server, ovs-vswitchd) in NETNS, its files in DIR
ovs_in() {
    local ns=$1 dir=$2
    mkdir -p "$dir"
    rm -f "$dir"/conf.db "$dir"/.conf.db.~lock~ "$dir"/*.sock "$dir"/*.ctl "$dir"/*.pid "$dir"/*.log "$dir"/*.mgmt
    ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    spawn "$ns" ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
        --log-file="$dir/ovsdb-server.log" -vconsole:off --no-chdir
    ovs_up=1
    wait_until 10 test -S "$dir/db.sock" || fail "ovsdb-server did not start"
    vsctl_of "$dir" --no-wait init
    # OVS_RUNDIR: where ovs-vswitchd puts the bridges' management sockets
    OVS_RUNDIR=$dir spawn "$ns" ovs-vswitchd "unix:$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
        --unixctl="$dir/ovs-vswitchd.ctl" --log-file="$dir/ovs-vswitchd.log" \
        -vconsole:off --no-chdir
    ovs_dirs+=("$dir")
    wait_until 10 test -S "$dir/ovs-vswitchd.ctl" || fail "ovs-vswitchd did not start"
    if (( ${OFSC_VCONN_LOG:-1} )); then
        # every OpenFlow message, decoded by OVS itself, into ovs-vswitchd.log
        ovs-appctl -t "$dir/ovs-vswitchd.ctl" vlog/set vconn:file:dbg >/dev/null
    fi
    say "OVS up in $ns ($dir)"
}

# add_bridge NAME DPID LOCAL_MAC: a switch of its own (netdev datapath,
# OF_PROTOCOLS, fail-mode secure)
add_bridge() {
    local name=$1 dpid=$2 mac=$3
    "${VSCTL[@]}" add-br "$name" -- set bridge "$name" datapath_type=netdev protocols="$OF_PROTOCOLS" \
        fail-mode=secure other-config:datapath-id="$dpid" other-config:hwaddr="$mac" \
        other-config:disable-in-band=true
    bridges+=("$name")
    bridge_dirs+=("$OVS_RUNDIR")
    bridge_ns+=("$SWNS")
    say "bridge $name (netdev, $OF_PROTOCOLS, dpid $dpid)"
}

# add_host N [plug=1] [BRIDGE]: host N with its veth; plug=0 leaves it off the bridge.
add_host() {
    local n=$1 plug=${2:-1} bridge=${3:-$BR}
    ip netns add "$HOSTNS$n"
    in_host "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    in_sw ip link add "$PORTIF$n" address "02:00:00:00:01:0$n" type veth peer name eth0 netns "$HOSTNS$n"
    in_host "$n" ip link set eth0 address "00:00:00:00:00:0$n"
    in_host "$n" ip addr add "10.0.0.$n/24" dev eth0
    in_host "$n" ip link set lo up
    in_host "$n" ip link set eth0 up
    in_sw ip link set "$PORTIF$n" up
    if (( plug )); then plug_host "$n" "$bridge"; fi
}

plug_host() {   # plug_host N [BRIDGE]
    local n=$1 bridge=${2:-$BR}
    "${VSCTL[@]}" add-port "$bridge" "$PORTIF$n" -- set interface "$PORTIF$n" ofport_request="$n"
    say "h$n (10.0.0.$n) on OpenFlow port $n of $bridge"
}

# controller_ns SW_ADDR CTL_ADDR [MTU]: the controller and the capture move to a
# namespace of their own, linked to the switch's by a veth pair (/24 addresses), so
# that a qdisc on the pair can delay or reorder the OpenFlow channel. A small MTU
# with GSO off makes TCP send real MTU-sized segments.
controller_ns() {
    local sw_addr=$1 ctl_addr=$2 mtu=${3:-}
    CTLNS=$CTL_NS_OWN OF_ADDR=$ctl_addr capture_if=${CTL_LINK}1
    ip netns add "$CTLNS"
    in_ctl sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    in_ctl ip link set lo up
    in_sw ip link add "${CTL_LINK}0" type veth peer name "${CTL_LINK}1" netns "$CTLNS"
    in_sw ip addr add "$sw_addr/24" dev "${CTL_LINK}0"
    in_ctl ip addr add "$ctl_addr/24" dev "${CTL_LINK}1"
    if [[ -n $mtu ]]; then
        in_sw ip link set "${CTL_LINK}0" mtu "$mtu" gso_max_segs 1
        in_ctl ip link set "${CTL_LINK}1" mtu "$mtu" gso_max_segs 1
    fi
    in_sw ip link set "${CTL_LINK}0" up
    in_ctl ip link set "${CTL_LINK}1" up
    say "controller namespace $CTLNS at $ctl_addr, switch side $sw_addr${mtu:+, mtu $mtu}"
}

# reorder_link NETNS DEV: DEV sends the IP packets whose IP id is a multiple of 4
# through a slow HTB class (this kernel has no netem), so each of them leaves
# after packets queued behind it. RACK, tail loss probes and SACK recovery
# would take the late segments for lost and resend them within a millisecond:
# they are turned off in NETNS and the dupack threshold raised, so the capture
# shows segments reordered, not retransmitted.
reorder_link() {
    local ns=$1 dev=$2
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_recovery=0 net.ipv4.tcp_reordering=127 net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_sack=0
    ip netns exec "$ns" tc qdisc add dev "$dev" root handle 1: htb default 10
    ip netns exec "$ns" tc class add dev "$dev" parent 1: classid 1:10 htb rate 1gbit
    ip netns exec "$ns" tc class add dev "$dev" parent 1: classid 1:20 htb rate 400kbit ceil 400kbit burst 1 cburst 1
    ip netns exec "$ns" tc filter add dev "$dev" parent 1: protocol ip u32 match u16 0 0x0003 at 4 flowid 1:20
    say "$ns $dev: one IP packet in four through a 400 kbit/s class"
}

# What and how to capture; a scenario may change these before start_session.
capture_tool=tcpdump       # or dumpcap (writes pcapng)
capture_if=lo              # "any" gives LINUX_SLL2 (with -y LINUX_SLL2)
snaplen=0
immediate=1                # 0: libpcap hands packets over in blocks (cheaper under load)
capture_extra=()           # more options for the tool

# capture_start FILE [SNAPLEN]: waits for the tool's own "listening"/"Capturing"
# line, in a fresh stderr file, so the SYN and the HELLOs are never missed. Called
# twice, it records two files of the same packets side by side.
capture_start() {
    local file=$1 snap=${2:-$snaplen} err=$RUN/capture.${#capture_pids[@]}.err cmd
    rm -f "$file" "$err"
    if [[ $capture_tool == dumpcap ]]; then
        cmd=(dumpcap -q -n -s "$snap" "${capture_extra[@]}" -w "$file")
    else
        # -B in KiB: a big kernel buffer so a busy machine drops nothing
        cmd=(tcpdump -i "$capture_if" -nn -s "$snap" -B 262144 -Z root "${capture_extra[@]}")
        (( immediate )) && cmd+=(--immediate-mode)
        cmd+=(-w "$file" "tcp port $OF_PORT")
    fi
    # the capture goes first when the machine is busy
    cmd=(nice -n -10 "${cmd[@]}")
    spawn "$CTLNS" "${cmd[@]}" 2>"$err"
    capture_pids+=("$last_pid")
    wait_until 15 grep -qE "listening on|Capturing on" "$err" || fail "capture did not start: $(cat "$err")"
    say "capturing: ${cmd[*]}"
}

# A capture with dropped packets has holes in its TCP streams: fail.
capture_stop() {
    local dropped i
    # The last segments (FIN/ACK) must reach the capture first; without
    # immediate mode they wait up to libpcap's 1 s block timeout.
    sleep $(( immediate ? 1 : 3 ))
    for (( i = 0; i < ${#capture_pids[@]}; i++ )); do stop "${capture_pids[$i]}" TERM; done
    capture_pids=()
    grep -E "packets (captured|received by filter|dropped)|Packets" "$RUN"/capture.*.err >&2 || true
    # tcpdump: "N packets dropped by kernel"; dumpcap: "received/dropped on interface 'X': R/D"
    dropped=$(sed -nE 's/^([0-9]+) packets dropped by kernel.*/\1/p
                       s/.*received\/dropped on interface .*: [0-9]+\/([0-9]+) .*/\1/p' "$RUN"/capture.*.err |
              awk '{d += $1} END {print d + 0}')
    (( dropped == 0 )) || fail "the capture dropped $dropped packets"
}

controller_listening() { in_ctl ss -Hltn "sport = :$OF_PORT" | grep -q .; }
# OVSDB's Controller.is_connected lags by seconds; the socket state does not.
channels_open() {
    local ns
    for ns in $(printf '%s\n' "${bridge_ns[@]}" | sort -u); do
        ip netns exec "$ns" ss -Htn state established "( dport = :$OF_PORT )"
    done | grep -c .
}
all_channels_open() { (( $(channels_open) == ${#bridges[@]} )); }
no_channel_open() { (( $(channels_open) == 0 )); }

# testcontroller [ovs-testcontroller options...]
testcontroller() {
    local versions=(-O "$OF_PROTOCOLS")
    [[ ${OFSC_ANY_VERSION:-0} == 1 ]] && versions=()
    spawn "$CTLNS" ovs-testcontroller "${versions[@]}" "$@" "ptcp:$OF_PORT:$(of_host)" \
        --unixctl="$RUN/testcontroller.ctl" --log-file="$RUN/controller.log" \
        -vconsole:off -vfile:info -vvconn:file:dbg 2>/dev/null
    controller_pid=$last_pid
    wait_until 30 controller_listening || fail "ovs-testcontroller is not listening"
    say "ovs-testcontroller ${versions[*]} $* (pid $controller_pid)"
}

# refctl [refctl.py options...]: the project's reference controller (os-ken)
refctl() {
    [[ -x $VENV/bin/python ]] || fail "no os-ken venv at $VENV: run tests/lab/setup.sh"
    spawn "$CTLNS" "$VENV/bin/python" "$LAB_HOME/refctl.py" --ofp-listen-host "$OF_ADDR" \
        --ofp-tcp-listen-port "$OF_PORT" "$@" 2>"$RUN/controller.log"
    controller_pid=$last_pid
    wait_until 30 controller_listening || fail "refctl.py is not listening: $(tail -5 "$RUN/controller.log")"
    say "refctl.py $* (pid $controller_pid)"
}

# Every bridge of one Open vSwitch gets its controller in one OVSDB transaction, so
# with two bridges both connect at the same moment and their handshakes interleave.
connect_switch() {
    local target
    target="tcp:$(of_host):$OF_PORT"
    for_each_ovs set-controller "$target"
    wait_until 30 all_channels_open || fail "the switch did not connect (${#bridges[@]} bridges, $(channels_open) connections)"
    sleep 1     # handshake done
    say "switch connected (${bridges[*]})"
}

disconnect_switch() {
    for_each_ovs del-controller
    wait_until 10 no_channel_open || say "warning: the OpenFlow connection is still open"
}

# for_each_ovs COMMAND [ARGS...]: one ovs-vsctl transaction per Open vSwitch, holding
# "-- COMMAND BRIDGE ARGS..." for each of its bridges
for_each_ovs() {
    local dir i cmd
    for dir in "${ovs_dirs[@]}"; do
        cmd=()
        for (( i = 0; i < ${#bridges[@]}; i++ )); do
            [[ ${bridge_dirs[$i]} == "$dir" ]] && cmd+=(-- "$1" "${bridges[$i]}" "${@:2}")
        done
        if (( ${#cmd[@]} )); then vsctl_of "$dir" "${cmd[@]}"; fi
    done
}
