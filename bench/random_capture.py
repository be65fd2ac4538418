#!/usr/bin/env python3
"""Write a pcap of random bytes on one TCP connection to port 6633, to check that the whole
`ofscope pcap` pipeline stays bounded in memory on garbage (see docs/fuzzing.md).

  bench/random_capture.py OUT.pcap [MiB]      (default 64 MiB of payload)
  /usr/bin/time -f '%e s, peak RSS %M KiB' target/release/ofscope pcap OUT.pcap -T jsonl >/dev/null

Segments of 1..1460 random bytes go either way in sequence, one in 16 swapped with a
recent one (out of order). Seeded, so the file is the same every time. python3 stdlib.
"""
import random
import struct
import sys

SWITCH = (bytes([10, 0, 0, 1]), 40000)
CONTROLLER = (bytes([10, 0, 0, 2]), 6633)


def frame(from_switch, seq, payload):
    src, dst = (SWITCH, CONTROLLER) if from_switch else (CONTROLLER, SWITCH)
    eth = bytes([2, 0, 0, 0, 0, 1 if from_switch else 2, 2, 0, 0, 0, 0, 2 if from_switch else 1, 8, 0])
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src[0], dst[0])
    tcp = struct.pack('!HHIIBBHHH', src[1], dst[1], seq, 1, 0x50, 0x18, 0xffff, 0, 0)
    return eth + ip + tcp + payload


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    total = int(sys.argv[2] if len(sys.argv) == 3 else 64) << 20
    rng = random.Random(6633)
    seq = [1000, 50000]
    pending = []
    with open(sys.argv[1], 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        sent, number = 0, 0

        def write(data):
            nonlocal number
            number += 1
            out.write(struct.pack('<IIII', 1_700_000_000 + number // 1000, number % 1000 * 1000,
                                  len(data), len(data)))
            out.write(data)

        while sent < total:
            direction = rng.randrange(2)
            payload = rng.randbytes(rng.randint(1, 1460))
            pending.append(frame(direction == 0, seq[direction], payload))
            seq[direction] = (seq[direction] + len(payload)) % (1 << 32)
            sent += len(payload)
            if rng.randrange(16) == 0 and len(pending) > 2:
                i = len(pending) - 2 - rng.randrange(min(len(pending) - 2, 8))
                pending[-1], pending[i] = pending[i], pending[-1]
            if len(pending) > 64:
                for data in pending:
                    write(data)
                pending.clear()
        for data in pending:
            write(data)


if __name__ == '__main__':
    main()
