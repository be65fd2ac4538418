#!/usr/bin/env python3
"""A switch for benchmarking `ofscope control`: handshake, then N PacketIns one at a time,
each waiting for the controller's answer; prints the round trips it saw.

usage: control_client.py PORT N [HOSTS]
HOSTS (default 64) hosts behind ports 1..HOSTS send to each other, so learning apps flood
first and install flows after, as on a real switch.
"""
import socket
import struct
import sys
import time

OFPT_HELLO, OFPT_ECHO_REQUEST, OFPT_ECHO_REPLY = 0, 2, 3
OFPT_FEATURES_REPLY, OFPT_PACKET_IN = 6, 10
ANSWERS = {13, 14}  # PACKET_OUT, FLOW_MOD


def message(msg_type, xid, body=b""):
    return struct.pack("!BBHI", 1, msg_type, 8 + len(body), xid) + body


class Switch:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def recv(self):
        while True:
            if len(self.buf) >= 8:
                _, msg_type, length, xid = struct.unpack("!BBHI", self.buf[:8])
                if len(self.buf) >= length:
                    body, self.buf = self.buf[8:length], self.buf[length:]
                    if msg_type == OFPT_ECHO_REQUEST:
                        self.sock.sendall(message(OFPT_ECHO_REPLY, xid, body))
                        continue
                    return msg_type, xid, body
            data = self.sock.recv(65536)
            if not data:
                sys.exit("control closed the connection")
            self.buf += data


def frame(src, dst):
    mac = lambda n: bytes([0, 0, 0, 0, n >> 8, n & 0xFF])
    return mac(dst) + mac(src) + b"\x08\x00" + bytes(46)


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    hosts = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    sw = Switch(port)
    sw.sock.sendall(message(OFPT_HELLO, 1))
    features = struct.pack("!QIB3xII", 0xBE7C, 256, 1, 0, 0xFFF)
    sw.sock.sendall(message(OFPT_FEATURES_REPLY, 2, features))
    rtts = []
    for i in range(count):
        src, dst = 1 + i % hosts, 1 + (i * 7 + 3) % hosts
        data = frame(src, dst)
        body = struct.pack("!IHHBx", 0xFFFFFFFF, len(data), src, 0) + data
        start = time.perf_counter_ns()
        sw.sock.sendall(message(OFPT_PACKET_IN, 100 + i, body))
        while sw.recv()[0] not in ANSWERS:
            pass
        rtts.append(time.perf_counter_ns() - start)
    rtts.sort()
    q = lambda p: rtts[min(len(rtts) - 1, int(p * len(rtts)))] / 1e3
    print(f"client round trip over {count} PacketIns: p50 {q(0.5):.1f} µs, p99 {q(0.99):.1f} µs, max {rtts[-1] / 1e3:.1f} µs")


if __name__ == "__main__":
    main()
