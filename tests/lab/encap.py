"""Re-encapsulates an Ethernet capture the way capture points deliver a control channel.

    python3 encap.py KIND IN.pcap OUT.pcap

Each frame of IN (a classic pcap of link type Ethernet) is wrapped as KIND says and written
to OUT with its own time; the headers are written here (python3 stdlib only), each after
its RFC or vendor document. The outer addresses, keys and ids are fixed so that a test can
look for them. KIND is one of the keys of KINDS, or of AGAIN: each frame and right after
it a second one, made from it as AGAIN says ('twice': inside ERSPAN II, as a capture of both
a SPAN port and its remote copy would hold it; 'mirrored': the same bytes, as a mirror of
both directions holds it; 'resent': with a new IPv4 identification, as a retransmission
would come).

    python3 encap.py packet-ins OUT.pcap

writes an OpenFlow 1.0 session of PACKET_INs (switch 127.0.0.1:40000 to 6633) whose frames
are tunnel packets, one per tunnel of PACKET_IN_FRAMES: an ICMP echo request and an ARP
request, each wrapped as the capture points above wrap a channel.
"""
import struct
import sys

from frames import arp_body, icmp_echo, internet_checksum, ipv4_packet, l2_header

# Outer Ethernet and IPv4 of the capture point: the tunnel's two ends.
OUTER_DST = bytes([0x02, 0, 0, 0, 0xee, 0x02])
OUTER_SRC = bytes([0x02, 0, 0, 0, 0xee, 0x01])
OUTER_IP_SRC = bytes([192, 0, 2, 1])
OUTER_IP_DST = bytes([192, 0, 2, 2])
IPV4, IPV6, TEB, MPLS = 0x0800, 0x86DD, 0x6558, 0x8847
GRE_C, GRE_K, GRE_S = 0x8000, 0x2000, 0x1000
GRE_KEY = 5
ERSPAN_SESSION = 7
VNI = 42
VXLAN_PORT, GENEVE_PORT, OTHER_VXLAN_PORT = 4789, 6081, 8472
_ident = [0]


def outer_ip(proto, payload):
    """Ethernet + IPv4 from the capture point's address to the collector's."""
    _ident[0] = (_ident[0] + 1) & 0xFFFF
    packet = ipv4_packet(OUTER_IP_SRC, OUTER_IP_DST, proto, _ident[0], payload)
    return l2_header(OUTER_DST, OUTER_SRC, IPV4) + packet


def gre(protocol, payload, flags=0, key=None, seq=None):
    """RFC 2784/2890: C, K and S words in that order; the checksum covers header and data."""
    words = b''
    if key is not None:
        flags |= GRE_K
        words += struct.pack('!I', key)
    if seq is not None:
        flags |= GRE_S
        words += struct.pack('!I', seq)
    if flags & GRE_C:
        body = struct.pack('!HH', flags, protocol) + b'\0\0\0\0' + words + payload
        words = struct.pack('!HH', internet_checksum(body), 0) + words
    return outer_ip(47, struct.pack('!HH', flags, protocol) + words + payload)


def udp(port, payload):
    """UDP with no checksum (0), from an ephemeral port, as VXLAN senders do."""
    return struct.pack('!HHHH', 49152, port, 8 + len(payload), 0) + payload


def vxlan(frame, port=VXLAN_PORT):
    """RFC 7348: flags with the I bit, 24 reserved bits, the VNI, 8 reserved bits."""
    header = struct.pack('!II', 0x08000000, VNI << 8)
    return outer_ip(17, udp(port, header + frame))


def geneve(frame):
    """RFC 8926, with one 4-byte option (class 0x0102, type 0x80, length 1 word)."""
    option = struct.pack('!HBB', 0x0102, 0x80, 1) + b'\xde\xad\xbe\xef'
    header = struct.pack('!BBHI', len(option) // 4, 0, TEB, VNI << 8) + option
    return outer_ip(17, udp(GENEVE_PORT, header + frame))


def erspan2(frame, seq):
    """Type II: GRE 0x88be with a sequence number; version 1, VLAN 0, session, index 0."""
    header = struct.pack('!II', (1 << 28) | ERSPAN_SESSION, 0)
    return gre(0x88BE, header + frame, seq=seq)


def erspan3(frame, seq):
    """Type III: GRE 0x22eb; version 2, session, a timestamp, then SGT 0, frame type 0
    (Ethernet), hardware id 1, ingress, granularity 3 (IEEE 1588), no subheader."""
    header = struct.pack('!III', (2 << 28) | ERSPAN_SESSION, seq * 1000, (1 << 4) | (3 << 1))
    return gre(0x22EB, header + frame, seq=seq)


def mpls(frame):
    """An L3VPN's two labels (transport 100, service 200) in place of the Ethernet type."""
    labels = struct.pack('!II', (100 << 12) | 64, (200 << 12) | 0x100 | 64)
    return frame[:12] + struct.pack('!H', MPLS) + labels + frame[14:]


def tags(frame, tpids):
    """VLAN tags with these TPIDs, outermost first, after the MAC addresses."""
    out = frame[:12]
    for i, tpid in enumerate(tpids):
        out += struct.pack('!HH', tpid, 100 + i)
    return out + frame[12:]


def ip_payload(frame):
    """The frame's IP packet and its ethertype (the frame must be untagged IP)."""
    (ethertype,) = struct.unpack('!H', frame[12:14])
    if ethertype not in (IPV4, IPV6):
        raise SystemExit('encap.py: a frame of ethertype 0x%04x is not IP' % ethertype)
    return ethertype, frame[14:]


def ip_in_ip(frame):
    """IPv4 in IPv4 (protocol 4) or IPv6 in IPv4 (41)."""
    ethertype, packet = ip_payload(frame)
    return outer_ip(4 if ethertype == IPV4 else 41, packet)


def gre_ip(frame, seq):
    """The IP packet in GRE with checksum, key and sequence number."""
    ethertype, packet = ip_payload(frame)
    return gre(ethertype, packet, flags=GRE_C, key=GRE_KEY, seq=seq)


KINDS = {
    'gre': gre_ip,
    'gretap': lambda f, seq: gre(TEB, f),
    'erspan1': lambda f, seq: gre(0x88BE, f),
    'erspan2': erspan2,
    'erspan3': erspan3,
    'vxlan': lambda f, seq: vxlan(f),
    'vxlan-8472': lambda f, seq: vxlan(f, OTHER_VXLAN_PORT),
    'geneve': lambda f, seq: geneve(f),
    'mpls': lambda f, seq: mpls(f),
    'qinq': lambda f, seq: tags(f, [0x88A8, 0x8100]),
    'tags-any-order': lambda f, seq: tags(f, [0x8100, 0x88A8, 0x9100, 0x8100]),
    'ipip': lambda f, seq: ip_in_ip(f),
    # GRE carrying Ethernet, carrying VXLAN: a tunnel inside a tunnel.
    'double': lambda f, seq: gre(TEB, vxlan(f)),
}


# The frames the PACKET_INs carry: (name, tunnel, plain frame).
HOST_A, HOST_B = bytes([2, 0, 0, 0, 0, 0x0A]), bytes([2, 0, 0, 0, 0, 0x0B])
ICMP_FRAME = l2_header(HOST_B, HOST_A, IPV4) + ipv4_packet(
    bytes([172, 16, 0, 1]), bytes([172, 16, 0, 2]), 1, 9, icmp_echo(8, 0x1234, 1, b'ping'))
ARP_FRAME = l2_header(b'\xff' * 6, HOST_A, 0x0806) + arp_body(
    1, HOST_A, bytes([10, 1, 0, 1]), bytes(6), bytes([10, 1, 0, 2]))
PACKET_IN_FRAMES = [
    ('gre', 'gre', ICMP_FRAME),
    ('vxlan', 'vxlan', ARP_FRAME),
    ('gretap', 'gretap', ARP_FRAME),
    ('erspan2', 'erspan2', ICMP_FRAME),
    ('erspan3', 'erspan3', ARP_FRAME),
    ('geneve', 'geneve', ICMP_FRAME),
    ('mpls', 'mpls', ICMP_FRAME),
    ('ipip', 'ipip', ICMP_FRAME),
    ('double', 'double', ARP_FRAME),
]


def packet_ins(dst):
    """A TCP stream to port 6633 of one HELLO and one PACKET_IN per tunnel frame."""
    switch, controller = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])
    messages = [struct.pack('!BBHI', 1, 0, 8, 1)]
    for xid, (_, kind, frame) in enumerate(PACKET_IN_FRAMES, 2):
        data = KINDS[kind](frame, xid)
        messages.append(struct.pack('!BBHIIHHBB', 1, 10, 18 + len(data), xid, 0xFFFFFFFF,
                                    len(data), 1, 0, 0) + data)
    with open(dst, 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        seq = 1000
        for i, message in enumerate(messages):
            # TCP 40000 -> 6633, PSH|ACK, checksum left 0 (tshark does not check it).
            tcp = struct.pack('!HHIIBBHHH', 40000, 6633, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
            frame = l2_header(HOST_B, HOST_A, IPV4) + ipv4_packet(
                switch, controller, 6, i + 1, tcp + message)
            out.write(struct.pack('<IIII', 1700000000, i, len(frame), len(frame)) + frame)
            seq += len(message)


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    order = {b'\xd4\xc3\xb2\xa1': '<', b'\x4d\x3c\xb2\xa1': '<',
             b'\xa1\xb2\xc3\xd4': '>', b'\xa1\xb2\x3c\x4d': '>'}.get(magic)
    if order is None:
        raise SystemExit('encap.py: %s is not a classic pcap' % path)
    (linktype,) = struct.unpack(order + 'I', data[20:24])
    if linktype != 1:
        raise SystemExit('encap.py: %s has link type %d, not Ethernet' % (path, linktype))
    records, at = [], 24
    while at + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(order + 'IIII', data[at:at + 16])
        records.append((sec, frac, orig - incl, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return data[:24], order, records


def renew_ident(frame):
    """The untagged IPv4 frame with its identification changed (checksum made again)."""
    ethertype, packet = ip_payload(frame)
    if ethertype != IPV4:
        raise SystemExit('encap.py: resent needs IPv4 frames')
    ihl = (packet[0] & 0x0F) * 4
    (ident,) = struct.unpack('!H', packet[4:6])
    header = packet[:4] + struct.pack('!H', ident ^ 0x8000) + packet[6:10] + b'\0\0' + packet[12:ihl]
    header = header[:10] + struct.pack('!H', internet_checksum(header)) + header[12:]
    return frame[:14] + header + packet[ihl:]


# The second frame of each pair, from the frame and its number.
AGAIN = {
    'twice': lambda frame, seq: erspan2(frame, seq),
    'mirrored': lambda frame, seq: frame,
    'resent': lambda frame, seq: renew_ident(frame),
}


def main():
    if sys.argv[1:2] == ['packet-ins'] and len(sys.argv) == 3:
        return packet_ins(sys.argv[2])
    if len(sys.argv) != 4 or sys.argv[1] not in KINDS and sys.argv[1] not in AGAIN:
        raise SystemExit('usage: encap.py {%s} IN.pcap OUT.pcap\n'
                         '       encap.py packet-ins OUT.pcap' % '|'.join([*KINDS, *AGAIN]))
    kind, src, dst = sys.argv[1:]
    header, order, records = read_pcap(src)
    # Frames grow; the snaplen field must not lie about them.
    header = header[:16] + struct.pack(order + 'I', 262144) + header[20:]
    with open(dst, 'wb') as out:
        out.write(header)
        for seq, (sec, frac, cut, frame) in enumerate(records, 1):
            if kind in AGAIN:
                copies = [frame, AGAIN[kind](frame, seq)]
            else:
                copies = [KINDS[kind](frame, seq)]
            for copy in copies:
                # Bytes the snaplen cut stay cut: the wrapped frame was that much longer.
                out.write(struct.pack(order + 'IIII', sec, frac, len(copy), len(copy) + cut))
                out.write(copy)


if __name__ == '__main__':
    main()
