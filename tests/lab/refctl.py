#!/usr/bin/env python3
"""ofscope's reference OpenFlow 1.0 controller (an os-ken 4.x app, run from the lab venv).

Its decisions are the ground truth for `ofscope replay --against-recording`,
so the logic is small and deterministic; tests/lab/README.md documents it
message by message. Per PACKET_IN, in this order (the first that applies ends
the handling; nothing else is learned from a consumed frame):
  1. ARP request for --vip  -> ARP reply PACKET_OUT to IN_PORT (tag kept)
  2. ICMP echo request to --vip -> echo reply PACKET_OUT to IN_PORT (tag kept)
  3. LLDP -> ignored
  4. learning switch, as Ryu's simple_switch for OF1.0
Options:
  --ofp-listen-host H --ofp-tcp-listen-port P   (os-ken's own options)
  --vip IP --vmac MAC      the controller's virtual address
  --flow-idle S            idle_timeout of learned flows (default 5)
  --connect-probes         on FEATURES_REPLY also send SET_CONFIG, delete-all,
                           BARRIER and DESC/FLOW/AGGREGATE/TABLE/PORT stats
"""
import logging
import os
import sys

from os_ken import cfg
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.ofproto import ofproto_v1_0

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402  (lives beside this script, shared with taghost.py)

CONF = cfg.CONF
CONF.register_cli_opts([
    cfg.StrOpt('vip', default='10.0.0.254', help='virtual controller IPv4 address'),
    cfg.StrOpt('vmac', default='02:00:00:00:00:fe', help='virtual controller MAC'),
    cfg.IntOpt('flow-idle', default=5, help='idle_timeout of learned flows'),
    cfg.BoolOpt('connect-probes', default=False,
                help='send config, delete-all, barrier and stats requests on connect'),
])

LOG = logging.getLogger('refctl')


class ReferenceController(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_0.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mac_to_port = {}   # dpid -> {mac bytes: port}
        self.vip = frames.ip_bytes(CONF.vip)
        self.vmac = frames.mac_bytes(CONF.vmac)

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        dp = ev.msg.datapath
        LOG.info('switch %016x connected, %d ports', ev.msg.datapath_id, len(ev.msg.ports))
        if not CONF.connect_probes:
            return
        ofp, parser = dp.ofproto, dp.ofproto_parser
        match_all = parser.OFPMatch()
        dp.send_msg(parser.OFPSetConfig(dp, ofp.OFPC_FRAG_NORMAL, 0xFFFF))
        dp.send_msg(parser.OFPFlowMod(dp, match_all, 0, ofp.OFPFC_DELETE, 0, 0,
                                      ofp.OFP_DEFAULT_PRIORITY, ofp.OFP_NO_BUFFER,
                                      ofp.OFPP_NONE, 0, []))
        dp.send_msg(parser.OFPBarrierRequest(dp))
        dp.send_msg(parser.OFPDescStatsRequest(dp, 0))
        dp.send_msg(parser.OFPFlowStatsRequest(dp, 0, match_all, 0xFF, ofp.OFPP_NONE))
        dp.send_msg(parser.OFPAggregateStatsRequest(dp, 0, match_all, 0xFF, ofp.OFPP_NONE))
        dp.send_msg(parser.OFPTableStatsRequest(dp, 0))
        dp.send_msg(parser.OFPPortStatsRequest(dp, 0, ofp.OFPP_NONE))

    def answer(self, frame):
        """The reply frame if this controller owns the request, else None."""
        vlan = frame['vlan']
        arp = frame.get('arp')
        if arp and arp['op'] == frames.ARP_REQUEST and arp['tpa'] == self.vip:
            return frames.arp_reply_for(frame, self.vmac, vlan)
        ip, icmp = frame.get('ip'), frame.get('icmp')
        if (ip and icmp and ip['dst'] == self.vip
                and icmp['type'] == frames.ICMP_ECHO_REQUEST):
            return frames.echo_reply_for(frame, self.vmac, vlan)
        return None

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        frame = frames.parse(msg.data)
        if frame is None:
            LOG.info('PACKET_IN port %d: runt frame ignored', msg.in_port)
            return

        reply = self.answer(frame)
        if reply is not None:
            LOG.info('PACKET_IN port %d vlan %s: answered for the VIP', msg.in_port, frame['vlan'])
            dp.send_msg(parser.OFPPacketOut(
                datapath=dp, buffer_id=ofp.OFP_NO_BUFFER, in_port=msg.in_port,
                actions=[parser.OFPActionOutput(ofp.OFPP_IN_PORT)], data=reply))
            return
        if frame['ethertype'] == frames.ETH_TYPE_LLDP:
            return

        table = self.mac_to_port.setdefault(dp.id, {})
        table[frame['src']] = msg.in_port
        out_port = table.get(frame['dst'], ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out_port)]
        if out_port != ofp.OFPP_FLOOD:
            match = parser.OFPMatch(in_port=msg.in_port, dl_src=frame['src'], dl_dst=frame['dst'])
            dp.send_msg(parser.OFPFlowMod(
                datapath=dp, match=match, cookie=0, command=ofp.OFPFC_ADD,
                idle_timeout=CONF.flow_idle, hard_timeout=0,
                priority=ofp.OFP_DEFAULT_PRIORITY, buffer_id=ofp.OFP_NO_BUFFER,
                out_port=ofp.OFPP_NONE, flags=ofp.OFPFF_SEND_FLOW_REM, actions=actions))
        LOG.info('PACKET_IN port %d %s -> %s: output %d', msg.in_port,
                 frames.mac_text(frame['src']), frames.mac_text(frame['dst']), out_port)
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id,
                                        in_port=msg.in_port, actions=actions, data=data))

    @set_ev_cls(ofp_event.EventOFPFlowRemoved, MAIN_DISPATCHER)
    def on_flow_removed(self, ev):
        LOG.info('FLOW_REMOVED reason %d, %d packets', ev.msg.reason, ev.msg.packet_count)

    @set_ev_cls(ofp_event.EventOFPPortStatus, MAIN_DISPATCHER)
    def on_port_status(self, ev):
        LOG.info('PORT_STATUS reason %d port %d', ev.msg.reason, ev.msg.desc.port_no)

    @set_ev_cls(ofp_event.EventOFPErrorMsg, [CONFIG_DISPATCHER, MAIN_DISPATCHER])
    def on_error(self, ev):
        LOG.warning('ERROR type %d code %d', ev.msg.type, ev.msg.code)


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format='%(asctime)s %(name)s %(message)s')
    CONF(args=sys.argv[1:], project='os_ken', default_config_files=[])
    app_manager.AppManager.run_apps([__name__])


if __name__ == '__main__':
    main()
