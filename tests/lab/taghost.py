#!/usr/bin/env python3
"""A host that speaks 802.1Q in userspace (python3 stdlib, root, inside a host netns).

The lab kernel has no 8021q module, so tagged frames are written and read on
an AF_PACKET socket. The kernel strips the tag of received frames into
metadata; PACKET_AUXDATA hands it back.

  taghost.py respond --vid 10 --ip 10.0.10.2 [--iface eth0]
      answer tagged ARP requests and ICMP echo requests for --ip on VLAN --vid
  taghost.py ping --vid 10 [--pcp 3] --ip 10.0.10.1 --dst 10.0.10.2 [--count 5]
      resolve --dst with a tagged ARP request, then send tagged echo requests;
      exit 0 when at least one reply came back; --accept-untagged also takes
      replies without a tag (a controller that strips the tag, as the TAP tunnel)
"""
import argparse
import fcntl
import select
import socket
import struct
import sys
import time

import frames

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
SIOCGIFHWADDR = 0x8927
AUXDATA_LEN = 20          # struct tpacket_auxdata
MIN_FRAME = 60            # what a NIC pads to (without FCS)


class TaggedPort:
    def __init__(self, iface):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.bind((iface, 0))
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        info = fcntl.ioctl(probe.fileno(), SIOCGIFHWADDR, struct.pack('256s', iface.encode()[:15]))
        probe.close()
        self.mac = info[18:24]

    def send(self, frame):
        self.sock.send(frame.ljust(MIN_FRAME, b'\0'))

    def receive(self, deadline):
        """Next incoming frame, parsed by frames.parse with the tag restored, or None."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            data, ancillary, _flags, addr = self.sock.recvmsg(65535, socket.CMSG_SPACE(AUXDATA_LEN))
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            for level, kind, value in ancillary:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= AUXDATA_LEN:
                    status = struct.unpack_from('I', value, 0)[0]
                    tci = struct.unpack_from('H', value, 16)[0]
                    if status & TP_STATUS_VLAN_VALID:
                        data = data[:12] + struct.pack('!HH', frames.ETH_TYPE_VLAN, tci) + data[12:]
            parsed = frames.parse(data)
            if parsed is not None:
                return parsed


def respond(args):
    port = TaggedPort(args.iface)
    my_ip = frames.ip_bytes(args.ip)
    print('answering for %s on VLAN %d' % (args.ip, args.vid), flush=True)
    while True:
        frame = port.receive(time.monotonic() + 3600)
        if frame is None or frame['vlan'] is None or frame['vlan'][0] != args.vid:
            continue
        arp, ip, icmp = frame.get('arp'), frame.get('ip'), frame.get('icmp')
        if arp and arp['op'] == frames.ARP_REQUEST and arp['tpa'] == my_ip:
            port.send(frames.arp_reply_for(frame, port.mac, frame['vlan']))
        elif (ip and icmp and ip['dst'] == my_ip and frame['dst'] == port.mac
              and icmp['type'] == frames.ICMP_ECHO_REQUEST):
            port.send(frames.echo_reply_for(frame, port.mac, frame['vlan']))


def on_our_vlan(frame, args):
    """A reply on the VLAN we sent on (or untagged, when the caller accepts that)."""
    if frame['vlan'] is None:
        return args.accept_untagged
    return frame['vlan'][0] == args.vid


def resolve(port, args, my_ip, dst_ip):
    tag = (args.vid, args.pcp)
    request = (frames.l2_header(b'\xff' * 6, port.mac, frames.ETH_TYPE_ARP, tag)
               + frames.arp_body(frames.ARP_REQUEST, port.mac, my_ip, b'\0' * 6, dst_ip))
    for _attempt in range(3):
        port.send(request)
        deadline = time.monotonic() + 1
        while True:
            frame = port.receive(deadline)
            if frame is None:
                break
            arp = frame.get('arp')
            if (on_our_vlan(frame, args) and arp
                    and arp['op'] == frames.ARP_REPLY and arp['spa'] == dst_ip):
                return arp['sha']
    return None


def ping(args):
    port = TaggedPort(args.iface)
    my_ip, dst_ip = frames.ip_bytes(args.ip), frames.ip_bytes(args.dst)
    dst_mac = resolve(port, args, my_ip, dst_ip)
    if dst_mac is None:
        print('VLAN %d: %s does not answer ARP' % (args.vid, args.dst), flush=True)
        return 1
    ident, replies = 0x7A00 + args.vid, 0
    for seq in range(1, args.count + 1):
        payload = bytes(range(56))     # fixed, so samples are reproducible
        echo = frames.icmp_echo(frames.ICMP_ECHO_REQUEST, ident, seq, payload)
        port.send(frames.l2_header(dst_mac, port.mac, frames.ETH_TYPE_IPV4, (args.vid, args.pcp))
                  + frames.ipv4_packet(my_ip, dst_ip, frames.IP_PROTO_ICMP, seq, echo))
        sent = time.monotonic()
        deadline = sent + args.interval
        while True:
            frame = port.receive(deadline)
            if frame is None:
                break
            icmp = frame.get('icmp')
            if (on_our_vlan(frame, args) and icmp
                    and icmp['type'] == frames.ICMP_ECHO_REPLY
                    and (icmp['id'], icmp['seq']) == (ident, seq)):
                replies += 1
                tag = 'VLAN %d PCP %d' % frame['vlan'] if frame['vlan'] else 'untagged'
                print('%s: reply seq %d in %.1f ms' % (tag, seq, (time.monotonic() - sent) * 1e3),
                      flush=True)
                break
        time.sleep(max(0.0, deadline - time.monotonic()))
    print('VLAN %d: %d/%d replies' % (args.vid, replies, args.count), flush=True)
    return 0 if replies else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('mode', choices=['respond', 'ping'])
    ap.add_argument('--iface', default='eth0')
    ap.add_argument('--vid', type=int, required=True)
    ap.add_argument('--pcp', type=int, default=0)
    ap.add_argument('--ip', required=True)
    ap.add_argument('--dst')
    ap.add_argument('--count', type=int, default=5)
    ap.add_argument('--interval', type=float, default=1.0)
    ap.add_argument('--accept-untagged', action='store_true')
    args = ap.parse_args()
    if args.mode == 'respond':
        respond(args)
        return 0
    if not args.dst:
        ap.error('ping needs --dst')
    return ping(args)


if __name__ == '__main__':
    sys.exit(main())
