#!/usr/bin/env bash
# End-to-end test of the GRE lab (root; tests/lab/setup.sh first): records the "gre"
# scenario afresh (two Open vSwitch instances in two namespaces joined by GRE ports of the
# userspace datapath, tests/lab/record.sh), then checks what ofscope makes of it:
#   - both tunnel ports by name: gre-sw2 in dpid 1's FEATURES_REPLY, gre-sw1 in dpid 2's
#     PORT_STATUS;
#   - the flow tables rebuilt from the capture equal the switches' dump-flows (the test
#     a_fresh_lab_recording_matches_its_switches of tests/it/analysis_samples.rs, given
#     the recording), and flows go out to the tunnel port;
#   - the lab left nothing behind.
#
#   OFSCOPE=path/to/ofscope   the binary (default target/release/ofscope)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lab/labkit.sh
source "$here/labkit.sh"
lab_script_start gre-e2e ofsc-gre-e2e
trap 'rm -rf "$work"' EXIT
failures=0
bad() { say "FAIL: $*"; failures=$((failures + 1)); }

"$here/record.sh" gre "$work" > "$work/record.log" 2>&1 || { tail -20 "$work/record.log"; fail "recording gre failed"; }
say "recorded gre in $(( $(date +%s) - started_at )) s ($(stat -c %s "$work/gre.pcap") bytes)"
if ip netns list | grep -qE '^ofsc-'; then bad "namespaces left: $(ip netns list | grep -E '^ofsc-' | tr '\n' ' ')"; fi

port_names() {   # port_names FILTER: "number name" of each port the selected messages name
    "$ofscope" pcap "$work/gre.pcap" -T jsonl -Y "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    ports = m.get("features", {}).get("ports") or [m.get("port_status", {}).get("port", {})]
    for p in ports:
        print(p.get("port_no"), p.get("name"))'
}
port_names 'of.type == FEATURES_REPLY && of.dpid == 00:00:00:00:00:00:00:01' | grep -qx "10 gre-sw2" \
    || bad "dpid 1's FEATURES_REPLY does not name port 10 gre-sw2"
port_names 'of.type == PORT_STATUS && of.dpid == 00:00:00:00:00:00:00:02' | grep -qx "10 gre-sw1" \
    || bad "dpid 2's PORT_STATUS does not name port 10 gre-sw1"
out_to_tunnel=$("$ofscope" pcap "$work/gre.pcap" -q --flows | grep -c 'actions=output:10' || true)
(( out_to_tunnel >= 2 )) || bad "--flows shows $out_to_tunnel flows out to the tunnel port"
(cd "$repo" && OFSC_LAB_RECORDING="$work/gre.pcap" cargo test --release --quiet --test it \
    -- --exact analysis_samples::a_fresh_lab_recording_matches_its_switches) \
    > "$work/flows.log" 2>&1 || { tail -20 "$work/flows.log"; bad "--flows differs from the switches' dump-flows"; }
grep -q "1 passed" "$work/flows.log" || bad "the flow comparison did not run"

say "gre-e2e took $(( $(date +%s) - started_at )) s; $failures failure(s)"
(( failures == 0 ))
