#!/usr/bin/env bash
# Record a real OpenFlow session (1.0; 1.3 in "of13") between Open vSwitch
# (userspace datapath) and a controller. Run as root, after tests/lab/setup.sh.
#
#   tests/lab/record.sh SCENARIO [OUTDIR]     one scenario (OUTDIR default: samples/)
#   tests/lab/record.sh samples [OUTDIR]      every committed scenario, in turn
#   tests/lab/record.sh list                  the scenarios
#
# Writes OUTDIR/SCENARIO.pcap (.pcapng for "pcapng"), SCENARIO.flows.txt (the
# switch's flow table at the end) and SCENARIO.vconn.log (OVS's own decode of
# every OpenFlow message the switch sent and received; "large" has none).
# "segmented-s96" also writes its full-snaplen twin, segmented-full.pcap.
# Environment: OFSC_RUN (private run dir), OFSC_VENV (os-ken venv),
# LARGE_MB (size of "large", default 160), LARGE_SECS (its time limit, default 300).
set -euo pipefail
# shellcheck source=tests/lab/labkit.sh
source "$(dirname "$0")/labkit.sh"

VIP=10.0.0.254
VMAC=02:00:00:00:00:fe
BR2=ofscbr1             # the second switch of "two-switch"
SAMPLES="basic pc-c pc-c-noflow vlan osken-vip osken-idle segmented any pcapng ipv6 negotiate snap96 noflow"
SAMPLES+=" segmented-s96 two-switch of13 reorder midsession"    # the unusual sessions
SAMPLES+=" pc-c-dst-only vip-flood host-move ofctl-flows"          # the diagnosis stories
SAMPLES+=" gre"                                                     # a virtual switch of two

# Host traffic: a failing probe is part of some stories, so it only gets logged.
run_on() { local n=$1; shift; say "h$n: $*"; in_host "$n" "$@" {lock_fd}>&- || say "h$n: exit $? (allowed)"; }
ping_from() { local n=$1; shift; run_on "$n" ping -n -q "$@"; }
arping_from() { local n=$1; shift; run_on "$n" arping -q -i eth0 "$@"; }
TAGHOST=(/usr/bin/python3 "$LAB_HOME/taghost.py")
tagged_ping_from() { local n=$1; shift; run_on "$n" "${TAGHOST[@]}" ping "$@"; }
tagged_responder_on() { local n=$1; shift; spawn "$HOSTNS$n" "${TAGHOST[@]}" respond "$@" >>"$RUN/taghost.log" 2>&1; }
idle() { say "idle $1 s: $2"; sleep "$1"; }

# ofscope_control APP...: ofscope itself is the controller, running these replay apps.
ofscope_control() {
    local bin a apps=()
    bin=$(realpath -m "${OFSCOPE:-$LAB_HOME/../../target/release/ofscope}")
    [[ -x $bin ]] || fail "no ofscope binary at $bin (build it or set OFSCOPE=)"
    for a in "$@"; do apps+=(--app "$a"); done
    spawn "$CTLNS" "$bin" control "${apps[@]}" --listen "$(of_host):$OF_PORT" -q \
        >/dev/null 2>"$RUN/controller.log"
    controller_pid=$last_pid
    wait_until 30 controller_listening || fail "ofscope control is not listening: $(tail -5 "$RUN/controller.log")"
    say "ofscope control ${apps[*]} (pid $controller_pid)"
}

# ---------------------------------------------------------------- scenarios
# Each scenario starts the switch (lab_up), builds its hosts, starts its
# controller, calls start_session (or connect_switch, then start_capture), then
# makes traffic; the driver ends the session.

scenario_basic() {
    lab_up
    add_host 1; add_host 2; add_host 3
    testcontroller
    start_session
    ping_from 1 -c 5 10.0.0.2
    arping_from 2 -c 3 10.0.0.3
    ping_from 3 -c 3 -s 1400 10.0.0.1      # frames bigger than miss_send_len (128)
    idle 12 "the switch's inactivity probe sends ECHO_REQUEST"
    ping_from 1 -c 2 10.0.0.3
}

# "PC C" (h3) is plugged in late. It has static ARP entries, so it sends no
# broadcast of its own: every frame it sends goes to an already known MAC.
pc_c_story() {
    lab_up
    add_host 1; add_host 2; add_host 3 0
    testcontroller "$@"
    start_session
    ping_from 1 -c 5 -i 0.5 10.0.0.2
    say "PC C plugged in"; plug_host 3; sleep 1
    in_host 3 ip neigh replace 10.0.0.1 lladdr 00:00:00:00:00:01 dev eth0 nud permanent
    in_host 3 ip neigh replace 10.0.0.2 lladdr 00:00:00:00:00:02 dev eth0 nud permanent
    ping_from 3 -c 5 -i 0.5 10.0.0.1
    ping_from 3 -c 5 -i 0.5 10.0.0.2
    ping_from 1 -c 3 -i 0.5 10.0.0.3
    say "PC C link down"; in_sw ip link set "${PORTIF}3" down; sleep 1
    ping_from 1 -c 2 -W 1 10.0.0.3
    say "PC C unplugged"; "${VSCTL[@]}" del-port "$BR" "${PORTIF}3"; sleep 1
}
scenario_pc_c() { pc_c_story; }
scenario_pc_c_noflow() { pc_c_story --noflow; }

scenario_vlan() {
    lab_up
    add_host 1; add_host 2; add_host 3
    tagged_responder_on 2 --vid 10 --ip 10.0.10.2
    tagged_responder_on 3 --vid 20 --ip 10.0.20.3
    testcontroller
    start_session
    tagged_ping_from 1 --vid 10 --ip 10.0.10.1 --dst 10.0.10.2 --count 5
    arping_from 1 -c 3 -V 10 -S 10.0.10.1 10.0.10.2
    tagged_ping_from 2 --vid 20 --pcp 3 --ip 10.0.20.2 --dst 10.0.20.3 --count 5
    ping_from 1 -c 3 10.0.0.2                  # untagged, same MACs
}

# The reference controller answering for its virtual IP, untagged and tagged,
# between learning-switch traffic; learned flows expire (FLOW_REMOVED).
scenario_osken_vip() {
    lab_up
    add_host 1; add_host 2; add_host 3
    tagged_responder_on 2 --vid 10 --ip 10.0.10.2
    refctl --vip "$VIP" --vmac "$VMAC" --flow-idle 5
    start_session
    arping_from 1 -c 3 "$VIP"
    ping_from 1 -c 3 "$VIP"
    ping_from 2 -c 3 -s 1000 "$VIP"
    ping_from 1 -c 5 10.0.0.2
    ping_from 3 -c 3 10.0.0.1
    tagged_ping_from 1 --vid 10 --pcp 2 --ip 10.0.0.1 --dst "$VIP" --count 3
    tagged_ping_from 3 --vid 10 --ip 10.0.10.3 --dst 10.0.10.2 --count 3
    idle 8 "learned flows expire"
    ping_from 2 -c 2 10.0.0.1
    idle 7 "FLOW_REMOVED again"
}

scenario_osken_idle() {
    lab_up
    add_host 1; add_host 2; add_host 3
    refctl --vip "$VIP" --vmac "$VMAC" --flow-idle 2 --connect-probes
    start_session
    ping_from 1 -c 3 10.0.0.2
    ping_from 3 -c 3 10.0.0.1
    idle 5 "learned flows expire"
    ping_from 1 -c 2 10.0.0.3
    idle 5 "learned flows expire"
}

# Small MTU, GSO off and tiny TCP receive buffers in the switch namespace:
# messages span TCP segments and segments carry pieces of several messages.
# (4 KB: kernels since 6.x refuse a tcp_rmem below one page.)
scenario_segmented() {
    lab_up 200
    add_host 1; add_host 2
    in_sw sysctl -qw net.ipv4.tcp_rmem="4096 4096 4096"
    refctl --vip "$VIP" --vmac "$VMAC" --flow-idle 2 --connect-probes
    start_session
    ping_from 1 -c 3 "$VIP"
    ping_from 1 -c 2 -s 1400 "$VIP"
    ping_from 1 -c 3 -s 1400 10.0.0.2
    ping_from 2 -f -l 16 -c 300 -s 300 "$VIP"
    idle 9 "learned flows expire (after the hosts' ARP re-probes)"
}

# The segmented session recorded twice at once on the same interface: at
# snaplen 96 (segmented-s96.pcap) and in full beside it (segmented-full.pcap),
# so what the cut capture lost can be checked against what was sent.
scenario_segmented_s96() {
    snaplen=96 twin_capture=segmented-full
    scenario_segmented
}

# Two switches (dpids ...:01 and ...:02) get their controller in one OVSDB
# transaction, so both connect at once and their handshakes interleave; then
# each carries its own traffic, some of it at the same time.
scenario_two_switch() {
    lab_up
    add_bridge "$BR2" 0000000000000002 02:00:00:00:02:ff
    add_host 1; add_host 2
    add_host 3 1 "$BR2"; add_host 4 1 "$BR2"
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    ping_from 3 -c 3 10.0.0.4
    ping_from 2 -c 4 -i 0.3 10.0.0.1 &
    ping_from 4 -c 4 -i 0.3 10.0.0.3
    wait "$!"
}

# OpenFlow 1.3 only: the bridge allows just 1.3 and ovs-testcontroller offers
# just 1.3, so the whole session, handshake included, is 1.3.
scenario_of13() {
    OF_PROTOCOLS=OpenFlow13
    lab_up
    add_host 1; add_host 2; add_host 3
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    arping_from 2 -c 2 10.0.0.3
    ping_from 3 -c 2 -s 1000 10.0.0.1
}

# The controller in its own namespace, behind a veth pair with MTU 300 and GSO
# off; both ends send one IP packet in four through a slow HTB class, so it
# leaves after packets sent behind it. The capture, on the controller's end,
# holds segments out of order in both directions.
scenario_reorder() {
    lab_up
    controller_ns 10.0.99.1 10.0.99.2 300
    reorder_link "$SWNS" "${CTL_LINK}0"
    reorder_link "$CTLNS" "${CTL_LINK}1"
    add_host 1; add_host 2
    testcontroller --noflow
    start_session
    ping_from 1 -c 3 -s 1000 10.0.0.2
    ping_from 2 -f -l 8 -c 40 -s 600 10.0.0.1
}

# The capture starts after the handshake and some traffic (no HELLO, no
# FEATURES_REPLY in it) and ends with the session as usual.
scenario_midsession() {
    lab_up
    add_host 1; add_host 2; add_host 3
    testcontroller
    connect_switch
    ping_from 1 -c 3 10.0.0.2
    idle 2 "before the capture starts"
    start_capture
    ping_from 1 -c 3 10.0.0.3
    ping_from 2 -c 2 10.0.0.3
}

scenario_any() {
    capture_if=any; capture_extra=(-y LINUX_SLL2)
    lab_up
    add_host 1; add_host 2
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    arping_from 2 -c 2 10.0.0.1
}

# dumpcap writes pcapng; two interfaces: the OpenFlow channel and port 1's veth.
scenario_pcapng() {
    lab_up
    add_host 1; add_host 2
    capture_tool=dumpcap
    capture_extra=(-i lo -f "tcp port $OF_PORT" -i "${PORTIF}1")
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    ping_from 2 -c 2 -s 600 10.0.0.1
}

scenario_ipv6() {
    OF_ADDR=::1 OF_PORT=6653
    lab_up
    add_host 1; add_host 2
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    arping_from 2 -c 2 10.0.0.1
}

# The controller offers OpenFlow 1.0 to 1.5: its HELLO carries version 6.
scenario_negotiate() {
    lab_up
    add_host 1; add_host 2
    OFSC_ANY_VERSION=1 testcontroller --wildcards
    start_session
    ping_from 1 -c 3 10.0.0.2
}

scenario_snap96() {
    snaplen=96
    lab_up
    add_host 1; add_host 2; add_host 3
    testcontroller
    start_session
    ping_from 1 -c 3 10.0.0.2
    ping_from 3 -c 3 -s 1400 10.0.0.1
    arping_from 2 -c 2 10.0.0.3
}

scenario_noflow() {
    lab_up
    add_host 1; add_host 2
    testcontroller --noflow
    start_session
    ping_from 1 -c 10 -i 0.2 10.0.0.2
}

# The benchmark capture: every frame of two flood pings passes the controller.
# It runs until the capture holds LARGE_MB megabytes (so a busy machine just
# takes longer), at most LARGE_SECS seconds.
scenario_large() {
    local mb=${LARGE_MB:-160} secs=${LARGE_SECS:-300} a b t=0
    immediate=0
    lab_up
    add_host 1; add_host 2; add_host 3
    testcontroller --noflow
    start_session
    say "flood pings until $out holds $mb MB (at most $secs s)"
    spawn "${HOSTNS}1" ping -n -q -f -w "$secs" 10.0.0.2; a=$last_pid
    spawn "${HOSTNS}3" ping -n -q -f -w "$secs" 10.0.0.1; b=$last_pid
    while (( t++ < secs )) && alive "$a" && (( $(stat -c %s "$out") < mb * 1000000 )); do
        sleep 1
    done
    stop "$a"
    stop "$b"
    say "flood pings stopped after $t s"
}

# ---------------------------------------------------------------- diagnosis stories
# Each holds one thing `--findings` diagnoses (issue 17); ofscope control is the controller.

# "PC C" with NOX's destination-only flows: PC C (h3, static ARP entries) is plugged in
# while h1's flow (dl_dst=h1) is alive, so its pings to h1 all match it and it never
# reaches the controller as a source; h1's replies to it are flooded, every one.
scenario_pc_c_dst_only() {
    lab_up
    add_host 1; add_host 2; add_host 3 0
    ofscope_control learning:variant=dst-only
    start_session
    ping_from 1 -c 3 -i 0.2 10.0.0.2
    say "PC C plugged in"; plug_host 3
    in_host 3 ip neigh replace 10.0.0.1 lladdr 00:00:00:00:00:01 dev eth0 nud permanent
    ping_from 3 -c 12 -i 0.2 10.0.0.1
}

# A virtual IP nobody answers: the controller (POX's learning switch) only floods the
# ARP requests for it.
scenario_vip_flood() {
    lab_up
    add_host 1; add_host 2; add_host 3
    ofscope_control learning:variant=pox
    start_session
    ping_from 1 -c 2 -i 0.3 10.0.0.2
    arping_from 1 -c 4 -w 5 "$VIP"
    ping_from 2 -c 2 -W 1 "$VIP"
}

# h1 moves from port 1 to port 4 while the flows to it (NOX pyswitch, exact match, idle
# 5 s) still send its traffic to port 1.
scenario_host_move() {
    lab_up
    add_host 1; add_host 2
    ofscope_control learning:variant=nox
    start_session
    ping_from 1 -c 3 -i 0.3 10.0.0.2
    say "h1 moves to port 4"
    "${VSCTL[@]}" del-port "$BR" "${PORTIF}1"
    "${VSCTL[@]}" add-port "$BR" "${PORTIF}1" -- set interface "${PORTIF}1" ofport_request=4
    ping_from 1 -c 8 -i 0.5 10.0.0.2
}

# A flow sending ICMP to the controller is added with ovs-ofctl while the controller
# runs: its PacketIns (reason=ACTION) have no FLOW_MOD in the capture.
scenario_ofctl_flows() {
    lab_up
    add_host 1; add_host 2; add_host 3
    ofscope_control learning:variant=simple
    start_session
    ping_from 1 -c 2 -i 0.3 10.0.0.2
    say "ovs-ofctl add-flow: ICMP to h3 goes to the controller"
    ovs-ofctl -O "$OF_PROTOCOLS" add-flow "$BR" "priority=40000,icmp,nw_dst=10.0.0.3,actions=controller"
    ping_from 1 -c 4 -i 0.3 10.0.0.3
}

# ---------------------------------------------------------------- a virtual switch of two
# Two Open vSwitch instances (userspace datapath), one per namespace (ofsc-sw, ofsc-sw2),
# joined by a GRE port of each: OVS's native tunnelling, the tunnel endpoint's IP on the
# LOCAL port of a "physical" bridge (ofscphy0/1, NORMAL) whose port is the underlay veth
# ofsc-u0/ofsc-u1. h1 on ofscbr0 (dpid 1), h2 on ofscbr1 (dpid 2). ovs-testcontroller
# runs in ofsc-sw on 10.0.99.1; the second switch reaches it over the veth ofsc-c1/ofsc-c0,
# so the capture is on "any" (the first switch's channel is on lo). The second switch's
# GRE port is added once it is connected: a PORT_STATUS naming it; the first switch's is
# in its FEATURES_REPLY.
GRE_NET=192.168.50      # the underlay: .1 in ofsc-sw, .2 in ofsc-sw2
GRE_PORT=10             # both tunnel ports' OpenFlow number

# gre_endpoint N PEER_N: the physical bridge ofscphyN with the underlay port ofsc-uN and
# the tunnel endpoint's address on its LOCAL port, the route and ARP entry to the peer's
# endpoint as OVS's native tunnelling needs them (run in the switch's own context).
gre_endpoint() {
    local n=$1 peer=$2 phy=ofscphy$1
    "${VSCTL[@]}" add-br "$phy" -- set bridge "$phy" datapath_type=netdev fail-mode=standalone \
        other-config:hwaddr="02:00:00:00:50:0$n" -- add-port "$phy" "ofsc-u$n"
    in_sw ip addr add "$GRE_NET.$((n + 1))/24" dev "$phy"
    in_sw ip link set "$phy" up
    ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.ctl" ovs/route/add "$GRE_NET.$((peer + 1))/32" "$phy" >/dev/null
    ovs-appctl -t "$OVS_RUNDIR/ovs-vswitchd.ctl" tnl/arp/set "$phy" "$GRE_NET.$((peer + 1))" "02:00:00:00:50:0$peer" >/dev/null
    say "$phy: tunnel endpoint $GRE_NET.$((n + 1)), peer $GRE_NET.$((peer + 1))"
}

# gre_port BRIDGE NAME PEER_N: the GRE port to the peer's endpoint
gre_port() {
    "${VSCTL[@]}" add-port "$1" "$2" -- set interface "$2" type=gre \
        options:remote_ip="$GRE_NET.$(($3 + 1))" ofport_request="$GRE_PORT"
    say "$1: GRE port $2 (OpenFlow port $GRE_PORT) to $GRE_NET.$(($3 + 1))"
}

# on_second CMD...: CMD in the second switch's context (its namespace, run dir, ovs-vsctl)
on_second() {
    local SWNS=$SW2NS
    local -x OVS_RUNDIR=$RUN/sw2
    local VSCTL=(ovs-vsctl --db="unix:$OVS_RUNDIR/db.sock" --timeout=20)
    "$@"
}

scenario_gre() {
    OF_ADDR=10.0.99.1 capture_if=any
    lab_up
    ip netns add "$SW2NS"
    ip netns exec "$SW2NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$SW2NS" ip link set lo up
    on_second ovs_in "$SW2NS" "$RUN/sw2"
    on_second add_bridge "$BR2" 0000000000000002 02:00:00:00:02:ff
    # the underlay and the second switch's way to the controller
    in_sw ip link add ofsc-u0 type veth peer name ofsc-u1 netns "$SW2NS"
    in_sw ip link add "${CTL_LINK}0" type veth peer name "${CTL_LINK}1" netns "$SW2NS"
    in_sw ip addr add "$OF_ADDR/24" dev "${CTL_LINK}0"
    ip netns exec "$SW2NS" ip addr add 10.0.99.2/24 dev "${CTL_LINK}1"
    in_sw ip link set ofsc-u0 up; in_sw ip link set "${CTL_LINK}0" up
    ip netns exec "$SW2NS" ip link set ofsc-u1 up
    ip netns exec "$SW2NS" ip link set "${CTL_LINK}1" up
    gre_endpoint 0 1
    on_second gre_endpoint 1 0
    gre_port "$BR" gre-sw2 1
    add_host 1
    on_second add_host 2 1 "$BR2"
    testcontroller
    start_session
    on_second gre_port "$BR2" gre-sw1 0
    sleep 1
    ping_from 1 -c 4 -i 0.3 10.0.0.2
    ping_from 2 -c 2 -i 0.3 10.0.0.1
}

# ---------------------------------------------------------------- driver
# lab_up [LO_MTU]: the switch namespace (with IPv6 when the channel uses it) and OVS
lab_up() {
    switch_ns "$([[ $OF_ADDR == *:* ]] && echo 1 || echo 0)" "${1:-}"
    start_ovs
}

twin_capture=""     # a scenario's second capture at full snaplen: its file name

start_capture() {
    out=$OUTDIR/$name.pcap
    [[ $capture_tool == dumpcap ]] && out=$OUTDIR/$name.pcapng
    capture_start "$out"
    [[ -z $twin_capture ]] || capture_start "$OUTDIR/$twin_capture.pcap" 0
}

start_session() {
    start_capture
    connect_switch
}

end_session() {
    local base=$OUTDIR/$name b
    sleep 1
    # one dump per bridge, in the order they were made
    for (( b = 0; b < ${#bridges[@]}; b++ )); do
        OVS_RUNDIR=${bridge_dirs[$b]} ovs-ofctl -O "$OF_PROTOCOLS" dump-flows "${bridges[$b]}" 2>&1 || true
    done > "$base.flows.txt"
    [[ -z $twin_capture ]] || cp "$base.flows.txt" "$OUTDIR/$twin_capture.flows.txt"
    disconnect_switch
    capture_stop
    stop "$controller_pid"
    if (( OFSC_VCONN_LOG )); then
        # from the first OpenFlow message on; decodes continue on unprefixed lines
        for b in "${ovs_dirs[@]}"; do sed -n '/|vconn|/,$p' "$b/ovs-vswitchd.log"; done > "$base.vconn.log"
    fi
    say "wrote $out ($(stat -c %s "$out") bytes)"
    [[ -z $twin_capture ]] || say "wrote $OUTDIR/$twin_capture.pcap ($(stat -c %s "$OUTDIR/$twin_capture.pcap") bytes)"
}

record_one() {
    name=$1
    local fn=scenario_${name//-/_}
    declare -F "$fn" >/dev/null || fail "unknown scenario '$name' (try: list)"
    if [[ $name == large ]]; then OFSC_VCONN_LOG=0; fi
    OFSC_VCONN_LOG=${OFSC_VCONN_LOG:-1}
    mkdir -p "$OUTDIR"
    lab_begin
    "$fn"
    end_session
}

[[ ${1:-} ]] || { sed -n '2,15p' "$0"; exit 2; }
case $1 in
    list) echo "$SAMPLES large" ;;
    samples)
        for s in $SAMPLES; do "$0" "$s" "${2:-}" || fail "scenario $s failed"; done ;;
    *)
        [[ $EUID -eq 0 ]] || fail "run as root"
        OUTDIR=$(realpath -m "${2:-$LAB_HOME/../../samples}")
        record_one "$1" ;;
esac
