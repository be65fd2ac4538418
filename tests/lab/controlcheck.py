#!/usr/bin/env python3
"""Checks of `ofscope control` sessions, on `ofscope pcap -T jsonl` output (stdlib only).

  controlcheck.py pc-c JSONL --mac MAC --from NS --to NS --expect unlearned|learned
      the PacketIns of the host MAC ("PC C") between two wall-clock instants, per second:
      those it sent (it is learned from them) and those sent to it (traffic back to it).
      unlearned: none from it, and some to it in every whole second of the window;
      learned: some from it, at most --max-per-flow PacketIns of it per flow installed
      towards it (FLOW_MOD ADD with dl_dst MAC), and none in the last --quiet-tail seconds.
  controlcheck.py same-messages PRINTED.jsonl RECORDED.jsonl
      what control printed and what its recording decodes to: the same messages
      (direction, type, xid), in the same order
"""
import argparse
import collections
import json
import sys

SECOND_NS = 1_000_000_000
FLOW_MOD_ADD = 0


def messages(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def eth(message):
    return message.get('packet_in', {}).get('data', {}).get('eth', {})


def pc_c(args):
    mac = args.mac.lower()
    window = [m for m in messages(args.jsonl) if args.start <= m['ts_ns'] < args.end]
    packet_ins = [m for m in window if m['type'] == 'PACKET_IN']
    sent = [m for m in packet_ins if eth(m).get('src', '').lower() == mac]
    to_it = [m for m in packet_ins if eth(m).get('dst', '').lower() == mac]
    flows = [m for m in window if m['type'] == 'FLOW_MOD'
             and m['flow_mod']['command'] == FLOW_MOD_ADD
             and m['flow_mod']['match'].get('dl_dst', '').lower() == mac]
    seconds = (args.end - args.start) // SECOND_NS
    per_second = collections.Counter((m['ts_ns'] - args.start) // SECOND_NS for m in sent + to_it)
    to_it_per_second = collections.Counter((m['ts_ns'] - args.start) // SECOND_NS for m in to_it)
    print('%s over %.1f s: %d PacketIns from it, %d to it, %d flows towards it; per second %s'
          % (mac, (args.end - args.start) / SECOND_NS, len(sent), len(to_it), len(flows),
             [per_second.get(s, 0) for s in range(seconds)]))
    problems = []
    if args.expect == 'unlearned':
        if sent:
            problems.append('%d PacketIns from it: the controller saw it and could learn it' % len(sent))
        silent = [s for s in range(seconds) if not to_it_per_second.get(s)]
        if silent:
            problems.append('no PacketIn to it in second(s) %s: the traffic back to it stopped '
                            'reaching the controller' % silent)
        if flows:
            problems.append('%d flows towards it were installed' % len(flows))
    else:
        if not sent:
            problems.append('no PacketIn from it: it was never learned')
        if not flows:
            problems.append('no flow towards it was installed')
        else:
            ratio = (len(sent) + len(to_it)) / len(flows)
            print('%.1f PacketIns of it per flow towards it' % ratio)
            if ratio > args.max_per_flow:
                problems.append('%.1f PacketIns per flow, more than %d' % (ratio, args.max_per_flow))
        tail = [s for s in range(seconds - args.quiet_tail, seconds) if per_second.get(s)]
        if tail:
            problems.append('PacketIns of it still in second(s) %s, after it was learned' % tail)
    for p in problems:
        print('FAIL  ' + p)
    return 1 if problems else 0


def same_messages(args):
    key = lambda m: (m['from'], m['type'], m['xid'])
    printed = [key(m) for m in messages(args.printed)]
    recorded = [key(m) for m in messages(args.recorded)]
    counts = collections.Counter(t for _f, t, _x in recorded)
    print('printed %d messages, recording %d: %s' % (len(printed), len(recorded), dict(sorted(counts.items()))))
    if printed == recorded:
        return 0
    first = next((i for i, (a, b) in enumerate(zip(printed, recorded)) if a != b),
                 min(len(printed), len(recorded)))
    print('FAIL  they differ at message #%d: printed %s, recording %s'
          % (first + 1, printed[first:first + 1], recorded[first:first + 1]))
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='mode', required=True)
    p = sub.add_parser('pc-c')
    p.add_argument('jsonl')
    p.add_argument('--mac', required=True)
    p.add_argument('--from', dest='start', type=int, required=True)
    p.add_argument('--to', dest='end', type=int, required=True)
    p.add_argument('--expect', choices=['unlearned', 'learned'], required=True)
    p.add_argument('--max-per-flow', type=int, default=4)
    p.add_argument('--quiet-tail', type=int, default=2)
    s = sub.add_parser('same-messages')
    s.add_argument('printed')
    s.add_argument('recorded')
    args = ap.parse_args()
    return pc_c(args) if args.mode == 'pc-c' else same_messages(args)


if __name__ == '__main__':
    sys.exit(main())
