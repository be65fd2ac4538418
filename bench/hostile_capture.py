#!/usr/bin/env python3
"""Write the captures of the hostile-input suite (see bench/hostile.sh and docs/fuzzing.md):
OpenFlow 1.0 sessions shaped to make an analyser's tables, histograms or loops grow.

  bench/hostile_capture.py SHAPE N OUT.pcap

  switches    N switches, each on its own connection: handshake, echo and PacketIn/PacketOut
              pairs (latency samples), a PORT_STATUS
  reconnects  one switch (one datapath id) connecting N times, each with the same exchange
  hellos      N connections whose only message is the switch's HELLO (handshake never ends)
  flows       one switch receiving N FLOW_MODs that add N distinct exact-match flows, then a
              FLOW_MOD that deletes them all
  echoes      N MiB of ECHO_REQUESTs whose 64,000-byte payloads are all zero (the worst case
              for a naive substring search of a zero needle ending in 01)
  vlans       one frame of a HELLO behind N stacked 802.1Q tags
  bomb        a pcap header then N MiB of zeros, gzip-compressed (OUT should end in .gz):
              endless empty records from a file of about N KiB

Deterministic: the same arguments give the same bytes. python3 stdlib only.
"""
import gzip
import struct
import sys

CONTROLLER = (bytes([10, 255, 255, 254]), 6633)
OFP_VERSION = 1
HELLO, ECHO_REQUEST, ECHO_REPLY, FEATURES_REQUEST, FEATURES_REPLY = 0, 2, 3, 5, 6
PACKET_IN, PORT_STATUS, PACKET_OUT, FLOW_MOD = 10, 12, 13, 14
SYN, FIN_ACK, SYN_ACK, PSH_ACK = 0x02, 0x11, 0x12, 0x18
MSS = 1448


def of(msg_type, xid, body=b''):
    return struct.pack('!BBHI', OFP_VERSION, msg_type, 8 + len(body), xid) + body


def phy_port(port_no, mac):
    name = b'eth%d' % port_no
    return struct.pack('!H6s16sIIIIII', port_no, mac, name.ljust(16, b'\0'), 0, 0, 0xc0, 0, 0, 0)


def features_reply(xid, dpid):
    mac = struct.pack('!Q', dpid)[2:]
    ports = phy_port(1, mac) + phy_port(2, mac)
    return of(FEATURES_REPLY, xid, struct.pack('!QIB3xII', dpid, 256, 1, 0xc7, 0xfff) + ports)


def ethernet_frame(i):
    dst, src = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0]) + struct.pack('!I', i)[1:]
    return dst + src + b'\x08\x06' + bytes(28)


def packet_in(xid, buffer_id, i):
    data = ethernet_frame(i)
    return of(PACKET_IN, xid, struct.pack('!IHHBx', buffer_id, len(data), 1, 0) + data)


def packet_out(xid, buffer_id):
    action = struct.pack('!HHHH', 0, 8, 0xfffb, 0)  # OUTPUT to FLOOD
    return of(PACKET_OUT, xid, struct.pack('!IHH', buffer_id, 0xffff, len(action)) + action)


def port_status(xid, dpid):
    return of(PORT_STATUS, xid, struct.pack('!B7x', 2) + phy_port(2, struct.pack('!Q', dpid)[2:]))


def flow_mod(xid, nw_src, command=0, wildcards=0):
    match = struct.pack('!IH6s6sHBxHBBxxIIHH', wildcards, 1, bytes(6), bytes(6), 0xffff, 0,
                        0x0800, 0, 6, nw_src, 0x0a0000fe, 0, 6633)
    action = struct.pack('!HHHH', 0, 8, 2, 0)
    body = match + struct.pack('!QHHHHIHH', 0, command, 0, 0, 0x8000, 0xffffffff, 0xffff, 0)
    return of(FLOW_MOD, xid, body + action)


class Pcap:
    def __init__(self, out):
        self.out = out
        self.ns = 1_700_000_000 * 10**9
        out.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))

    def frame(self, src, dst, seq, ack, flags, payload=b''):
        eth = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0])
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0,
                         src[0], dst[0])
        tcp = struct.pack('!HHIIBBHHH', src[1], dst[1], seq & 0xffffffff, ack & 0xffffffff,
                          0x50, flags, 0xffff, 0, 0)
        self.frame_bytes(eth + ip + tcp + payload)

    def frame_bytes(self, data):
        self.out.write(struct.pack('<IIII', self.ns // 10**9, self.ns % 10**9, len(data),
                                   len(data)))
        self.out.write(data)


class Connection:
    """One TCP connection from a switch to the controller, payload sent in MSS segments."""

    def __init__(self, pcap, switch):
        self.pcap, self.ends = pcap, {True: switch, False: CONTROLLER}
        self.seq = {True: 1000, False: 5000}

    def open(self):
        self.pcap.frame(self.ends[True], self.ends[False], self.seq[True] - 1, 0, SYN)
        self.pcap.frame(self.ends[False], self.ends[True], self.seq[False] - 1, self.seq[True],
                        SYN_ACK)

    def send(self, from_switch, payload, step_ns=20_000):
        for start in range(0, len(payload), MSS):
            part = payload[start:start + MSS]
            self.pcap.ns += step_ns
            src, dst = self.ends[from_switch], self.ends[not from_switch]
            self.pcap.frame(src, dst, self.seq[from_switch], self.seq[not from_switch], PSH_ACK,
                            part)
            self.seq[from_switch] += len(part)

    def close(self):
        for side in (True, False):
            self.pcap.frame(self.ends[side], self.ends[not side], self.seq[side],
                            self.seq[not side], FIN_ACK)
            self.seq[side] += 1


def switch_address(i):
    return (bytes([10]) + struct.pack('!I', i + 1)[1:], 40000 + i % 20000)


def session(pcap, switch, dpid):
    c = Connection(pcap, switch)
    c.open()
    c.send(True, of(HELLO, 1))
    c.send(False, of(HELLO, 1) + of(FEATURES_REQUEST, 2))
    c.send(True, features_reply(2, dpid))
    for k in range(3):
        c.send(False, of(ECHO_REQUEST, 10 + k))
        c.send(True, of(ECHO_REPLY, 10 + k), step_ns=150_000 + 37_000 * k)
        c.send(True, packet_in(20 + k, 0x100 + k, dpid))
        c.send(False, packet_out(20 + k, 0x100 + k), step_ns=900_000 + 211_000 * k)
    c.send(True, port_status(30, dpid))
    return c


def switches(pcap, n):
    for i in range(n):
        session(pcap, switch_address(i), 0x10000 + i)


def reconnects(pcap, n):
    for i in range(n):
        session(pcap, (bytes([10, 0, 0, 1]), 1024 + i % 60000), 0x42).close()


def hellos(pcap, n):
    for i in range(n):
        c = Connection(pcap, switch_address(i))
        c.open()
        c.send(True, of(HELLO, 1), step_ns=100_000)


def flows(pcap, n):
    c = Connection(pcap, switch_address(0))
    c.open()
    c.send(True, of(HELLO, 1))
    c.send(False, of(HELLO, 1) + of(FEATURES_REQUEST, 2))
    c.send(True, features_reply(2, 1))
    batch = []
    for i in range(n):
        batch.append(flow_mod(100 + i, 0x0b000000 + i))
        if len(batch) == 18:  # 18 FLOW_MODs of 80 bytes fill one segment
            c.send(False, b''.join(batch))
            batch = []
    delete_all = flow_mod(99, 0, command=3, wildcards=0x3fffff)
    c.send(False, b''.join(batch) + delete_all)


def echoes(pcap, mib):
    c = Connection(pcap, switch_address(0))
    c.open()
    payload = bytes(64_000)
    for i in range((mib << 20) // len(payload)):
        c.send(False, of(ECHO_REQUEST, i, payload))


def vlans(pcap, n):
    tagged = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]) + b'\x81\x00\x00\x01' * n + b'\x08\x00'
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 48, 0, 0x4000, 64, 6, 0, switch_address(0)[0],
                     CONTROLLER[0])
    tcp = struct.pack('!HHIIBBHHH', switch_address(0)[1], CONTROLLER[1], 1, 1, 0x50, PSH_ACK,
                      0xffff, 0, 0)
    pcap.frame_bytes(tagged + ip + tcp + of(HELLO, 1))


def bomb(out, mib):
    with gzip.GzipFile(fileobj=out, mode='wb', compresslevel=9) as z:
        Pcap(z)
        zeros = bytes(1 << 20)
        for _ in range(mib):
            z.write(zeros)


SHAPES = {'switches': switches, 'reconnects': reconnects, 'hellos': hellos, 'flows': flows,
          'echoes': echoes, 'vlans': vlans}


def main():
    shapes = list(SHAPES) + ['bomb']
    if len(sys.argv) != 4 or sys.argv[1] not in shapes or not sys.argv[2].isdigit():
        sys.exit(__doc__)
    with open(sys.argv[3], 'wb') as out:
        if sys.argv[1] == 'bomb':
            bomb(out, int(sys.argv[2]))
        else:
            SHAPES[sys.argv[1]](Pcap(out), int(sys.argv[2]))


if __name__ == '__main__':
    main()
