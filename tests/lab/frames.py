"""Ethernet/802.1Q/ARP/IPv4/ICMP frame building and parsing (python3 stdlib only).

Shared by the reference controller (refctl.py) and the userspace VLAN host
(taghost.py), so both build replies byte for byte the same way. The reply
layout is documented in tests/lab/README.md ("Reference controller"); the
replay engine has to produce the same bytes.
"""
import socket
import struct

ETH_TYPE_IPV4 = 0x0800
ETH_TYPE_ARP = 0x0806
ETH_TYPE_VLAN = 0x8100
ETH_TYPE_LLDP = 0x88CC
ARP_REQUEST = 1
ARP_REPLY = 2
IP_PROTO_ICMP = 1
ICMP_ECHO_REPLY = 0
ICMP_ECHO_REQUEST = 8
REPLY_TTL = 64


def mac_bytes(text):
    parts = text.split(':')
    if len(parts) != 6:
        raise ValueError('bad MAC address %r' % text)
    return bytes(int(p, 16) for p in parts)


def mac_text(raw):
    return ':'.join('%02x' % b for b in raw)


def internet_checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def l2_header(dst, src, ethertype, vlan=None):
    """Ethernet header; vlan = (vid, pcp) inserts one 802.1Q tag."""
    if vlan is None:
        return dst + src + struct.pack('!H', ethertype)
    vid, pcp = vlan
    return dst + src + struct.pack('!HHH', ETH_TYPE_VLAN, (pcp << 13) | vid, ethertype)


def arp_body(op, sha, spa, tha, tpa):
    """Ethernet/IPv4 ARP; spa/tpa are 4-byte addresses."""
    return struct.pack('!HHBBH6s4s6s4s', 1, ETH_TYPE_IPV4, 6, 4, op, sha, spa, tha, tpa)


def icmp_echo(icmp_type, ident, seq, payload):
    head = struct.pack('!BBHHH', icmp_type, 0, 0, ident, seq)
    checksum = internet_checksum(head + payload)
    return head[:2] + struct.pack('!H', checksum) + head[4:] + payload


def ipv4_packet(src, dst, proto, ident, payload, ttl=REPLY_TTL):
    """IPv4 header without options, flags 0 (no DF), TOS 0; src/dst are 4-byte addresses."""
    head = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0, ttl,
                       proto, 0, src, dst)
    checksum = internet_checksum(head)
    return head[:10] + struct.pack('!H', checksum) + head[12:] + payload


def parse(frame):
    """Decode the layers the lab cares about; absent layers are missing keys.

    Returns {'dst','src' (bytes), 'ethertype', 'vlan': (vid, pcp) or None,
    'arp': {...}, 'ip': {...}, 'icmp': {...}}; a truncated layer stops decoding.
    """
    out = {'vlan': None}
    if len(frame) < 14:
        return None
    out['dst'], out['src'] = frame[0:6], frame[6:12]
    ethertype = struct.unpack('!H', frame[12:14])[0]
    rest = frame[14:]
    if ethertype == ETH_TYPE_VLAN:
        if len(rest) < 4:
            return None
        tci, ethertype = struct.unpack('!HH', rest[:4])
        out['vlan'] = (tci & 0xFFF, tci >> 13)
        rest = rest[4:]
    out['ethertype'] = ethertype
    if ethertype == ETH_TYPE_ARP and len(rest) >= 28:
        _htype, _ptype, _hlen, _plen, op, sha, spa, tha, tpa = struct.unpack(
            '!HHBBH6s4s6s4s', rest[:28])
        out['arp'] = {'op': op, 'sha': sha, 'spa': spa, 'tha': tha, 'tpa': tpa}
    elif ethertype == ETH_TYPE_IPV4 and len(rest) >= 20:
        ihl = (rest[0] & 0x0F) * 4
        total_len = struct.unpack('!H', rest[2:4])[0]
        ip = {'ident': struct.unpack('!H', rest[4:6])[0], 'proto': rest[9],
              'src': rest[12:16], 'dst': rest[16:20],
              # The whole datagram is present (not cut by a snaplen/miss_send_len).
              'complete': ihl >= 20 and len(rest) >= total_len >= ihl}
        out['ip'] = ip
        if ip['proto'] == IP_PROTO_ICMP and ip['complete'] and total_len - ihl >= 8:
            icmp = rest[ihl:total_len]
            icmp_type, code, _sum, ident, seq = struct.unpack('!BBHHH', icmp[:8])
            out['icmp'] = {'type': icmp_type, 'code': code, 'id': ident, 'seq': seq,
                           'payload': icmp[8:]}
    return out


def ip_bytes(text):
    return socket.inet_aton(text)


def arp_reply_for(req, my_mac, vlan):
    """ARP reply to a parsed request, from my_mac, with the request's tag."""
    a = req['arp']
    return (l2_header(req['src'], my_mac, ETH_TYPE_ARP, vlan)
            + arp_body(ARP_REPLY, my_mac, a['tpa'], a['sha'], a['spa']))


def echo_reply_for(req, my_mac, vlan):
    """ICMP echo reply to a parsed request: same id, seq, payload and IP id; TTL 64."""
    ip, icmp = req['ip'], req['icmp']
    body = icmp_echo(ICMP_ECHO_REPLY, icmp['id'], icmp['seq'], icmp['payload'])
    return (l2_header(req['src'], my_mac, ETH_TYPE_IPV4, vlan)
            + ipv4_packet(ip['dst'], ip['src'], IP_PROTO_ICMP, ip['ident'], body))
