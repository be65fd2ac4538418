#!/usr/bin/env python3
"""Differential check of ofscope's decode of a capture against tshark and ovs-ofctl.

  diffcheck.py check CAPTURE OFSCOPE.jsonl [--port N]...
      compare `ofscope pcap CAPTURE -T jsonl` with
        tshark -d tcp.port==N,openflow -o tcp.reassemble_out_of_order:TRUE
        ovs-ofctl ofp-parse-pcap CAPTURE N   (classic pcap on Ethernet only)
      on: message counts per type and direction, the xids in order per
      direction, and the PACKET_IN fields with the nested eth/vlan/arp/ip/icmp
      of every PACKET_IN (tshark only; ovs-ofctl prints no per-field view).
      Exit 0 when everything agrees, 1 otherwise.
  diffcheck.py as-ofscope CAPTURE [--port N]...
      print tshark's decode as ofscope-style jsonl (a sanity input for "check")
  diffcheck.py counts CAPTURE [--port N]...
      print tshark's message counts per type (for samples/README.md)
  diffcheck.py segments CAPTURE [--port N]... [--min-spanning A --min-shared B]
      own reassembly (classic pcap, Ethernet, IPv4): how many messages span
      several TCP segments and how many segments hold bytes of several
      messages; exit 1 below the minimums (proves a capture is segmented)

python3 stdlib only; needs tshark and ovs-ofctl on PATH.
"""
import argparse
import collections
import contextlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

# Where each compared value lives in one line of ofscope's jsonl output. Each
# entry lists dotted paths tried in order, so a change of nesting is fixed here.
# A path segment may index into a list ("vlan.0.id").
OFSCOPE_PATHS = {
    'frame': ['frame'],
    'from': ['from'],
    'version': ['version'],
    'type': ['type'],
    'xid': ['xid'],
    'length': ['length'],
    'in_port': ['packet_in.in_port', 'body.in_port', 'in_port'],
    'buffer_id': ['packet_in.buffer_id', 'body.buffer_id', 'buffer_id'],
    'total_len': ['packet_in.total_len', 'body.total_len', 'total_len'],
    'reason': ['packet_in.reason', 'body.reason', 'reason'],
    'eth.src': ['packet_in.data.eth.src', 'data.eth.src'],
    'eth.dst': ['packet_in.data.eth.dst', 'data.eth.dst'],
    'eth.type': ['packet_in.data.eth.type', 'data.eth.type'],
    'vlan': ['packet_in.data.vlan', 'data.vlan'],             # list of {id, pcp} (or one object)
    'vlan.id': ['id', 'vid'],                                 # inside one vlan entry
    'vlan.pcp': ['pcp', 'priority'],
    'arp.op': ['packet_in.data.arp.op', 'data.arp.op'],
    'arp.spa': ['packet_in.data.arp.spa', 'data.arp.spa'],
    'arp.tpa': ['packet_in.data.arp.tpa', 'data.arp.tpa'],
    'arp.sha': ['packet_in.data.arp.sha', 'data.arp.sha'],
    'arp.tha': ['packet_in.data.arp.tha', 'data.arp.tha'],
    'ip.src': ['packet_in.data.ip.src', 'data.ip.src'],
    'ip.dst': ['packet_in.data.ip.dst', 'data.ip.dst'],
    'ip.proto': ['packet_in.data.ip.proto', 'data.ip.proto'],
    'icmp.type': ['packet_in.data.icmp.type', 'data.icmp.type'],
    'icmp.code': ['packet_in.data.icmp.code', 'data.icmp.code'],
    'icmp.id': ['packet_in.data.icmp.id', 'data.icmp.id'],
    'icmp.seq': ['packet_in.data.icmp.seq', 'data.icmp.seq'],
}

# tshark 4.0 field names for the same values, inside one openflow_v1 object.
TSHARK_FIELDS = {
    'in_port': 'openflow.in_port', 'buffer_id': 'openflow.buffer_id',
    'total_len': 'openflow.total_len', 'reason': 'openflow.reason',
    'eth.src': 'eth.eth.src', 'eth.dst': 'eth.eth.dst', 'eth.type': 'eth.eth.type',
    'arp.op': 'arp.arp.opcode', 'arp.spa': 'arp.arp.src.proto_ipv4',
    'arp.tpa': 'arp.arp.dst.proto_ipv4', 'arp.sha': 'arp.arp.src.hw_mac',
    'arp.tha': 'arp.arp.dst.hw_mac',
    'ip.src': 'ip.ip.src', 'ip.dst': 'ip.ip.dst', 'ip.proto': 'ip.ip.proto',
    'icmp.type': 'icmp.icmp.type', 'icmp.code': 'icmp.icmp.code',
    'icmp.id': 'icmp.icmp.ident', 'icmp.seq': 'icmp.icmp.seq',
}
PACKET_IN_KEYS = list(TSHARK_FIELDS) + ['vlan']

OF10_TYPES = ['HELLO', 'ERROR', 'ECHO_REQUEST', 'ECHO_REPLY', 'VENDOR', 'FEATURES_REQUEST',
              'FEATURES_REPLY', 'GET_CONFIG_REQUEST', 'GET_CONFIG_REPLY', 'SET_CONFIG',
              'PACKET_IN', 'FLOW_REMOVED', 'PORT_STATUS', 'PACKET_OUT', 'FLOW_MOD', 'PORT_MOD',
              'STATS_REQUEST', 'STATS_REPLY', 'BARRIER_REQUEST', 'BARRIER_REPLY',
              'QUEUE_GET_CONFIG_REQUEST', 'QUEUE_GET_CONFIG_REPLY']
COMMON_TYPES = OF10_TYPES[:4]    # the same numbers in every OpenFlow version
PACKET_IN_REASONS = {'NO_MATCH': 0, 'ACTION': 1}
DEFAULT_PORTS = [6633, 6653]


def type_name(version, number):
    if version == 1 and number < len(OF10_TYPES):
        return OF10_TYPES[number]
    if number < len(COMMON_TYPES):
        return COMMON_TYPES[number]
    return 'TYPE_%d' % number


def normal(value):
    """One spelling per value: ints for numbers (also "0x.." strings), lowercase text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r'0x[0-9a-f]+', text):
            return int(text, 16)
        if re.fullmatch(r'\d+', text):
            return int(text)
        return text
    return value


def lookup(obj, paths):
    for path in paths:
        node = obj
        for part in path.split('.'):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                break
        else:
            return node
    return None


# ------------------------------------------------------------------ tshark
def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def tshark_messages(capture, ports):
    """[{frame, from, version, type, xid, length, pi: {...}}] in stream order."""
    cmd = ['tshark', '-n', '-r', capture, '-o', 'tcp.reassemble_out_of_order:TRUE',
           '-T', 'json', '--no-duplicate-keys']
    for port in ports:
        cmd += ['-d', 'tcp.port==%d,openflow' % port]
    out = []
    for packet in json.loads(run(cmd) or '[]'):
        layers = packet['_source']['layers']
        tcp = layers.get('tcp', {})
        sport = int(tcp.get('tcp.srcport', -1))
        dport = int(tcp.get('tcp.dstport', -1))
        frame = int(layers['frame']['frame.number'])
        # the controller listens on one of the ports; the switch uses an ephemeral one
        direction = 'controller' if sport in ports and dport not in ports else 'switch'
        for key, value in layers.items():
            match = re.fullmatch(r'openflow_v(\d+)', key)
            if not match:
                continue
            for msg in value if isinstance(value, list) else [value]:
                out.append(tshark_message(msg, int(match.group(1)), frame, direction))
    return out


def tshark_message(msg, layer_version, frame, direction):
    # OpenFlow 1.0 keeps its header in "openflow.*"; other versions in "openflow_vN.*"
    prefix = 'openflow' if layer_version == 1 else 'openflow_v%d' % layer_version
    version = normal(msg.get(prefix + '.version', layer_version))
    number = normal(msg.get('openflow_1_0.type', msg.get('openflow_v%d.type' % layer_version, -1)))
    record = {'frame': frame, 'from': direction, 'version': version,
              'type': type_name(version, number), 'xid': normal(msg.get(prefix + '.xid')),
              'length': normal(msg.get(prefix + '.length'))}
    if record['type'] == 'PACKET_IN':
        pi = {}
        for key, field in TSHARK_FIELDS.items():
            layer, name = field.split('.', 1)
            source = msg if layer == 'openflow' else msg.get(layer, {})
            if isinstance(source, list):      # an ICMP error quotes an inner IP header
                source = source[0]
            value = source.get(field if layer == 'openflow' else name)
            if value is not None:
                pi[key] = normal(value)
        tags = msg.get('vlan', [])
        pi['vlan'] = [{'id': normal(t['vlan.id']), 'pcp': normal(t['vlan.priority'])}
                      for t in (tags if isinstance(tags, list) else [tags])]
        record['pi'] = pi
    return record


def as_ofscope(record):
    """tshark's record in the shape of ofscope's jsonl (for the sanity run)."""
    line = {k: record[k] for k in ('frame', 'from', 'version', 'type', 'xid', 'length')}
    pi = record.get('pi')
    if pi is not None:
        data = {}
        for key, value in pi.items():
            if key == 'vlan':
                data['vlan'] = value
            elif '.' in key:
                layer, name = key.split('.')
                data.setdefault(layer, {})[name] = value
        line['packet_in'] = {k: pi.get(k) for k in ('in_port', 'buffer_id', 'total_len', 'reason')}
        line['packet_in']['data'] = data
    return line


# ------------------------------------------------------------------ ovs-ofctl
OVS_HEAD = re.compile(r'^(\S+)\.(\d+) > (\S+)\.(\d+):$')
OVS_MSG = re.compile(r'^(OFPT_\w+|OFPST_\w+ (request|reply)|NXT_\w+|NXST_\w+ (request|reply))'
                     r'(?: \(OF([\d.]+)\))? \(xid=(0x[0-9a-f]+)\)')


def classic_pcap_header(capture):
    """(byte order, link type) of a classic pcap file, or None for anything else."""
    with open(capture, 'rb') as f:
        head = f.read(24)
    if len(head) < 24:
        return None
    if head[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        order = '<'
    elif head[:4] in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        order = '>'
    else:
        return None
    return order, struct.unpack_from(order + 'I', head, 20)[0]


def is_classic_ethernet_pcap(capture):
    header = classic_pcap_header(capture)
    return header is not None and header[1] == 1


def ovs_unfit(capture):
    """Why ovs-ofctl ofp-parse-pcap cannot be a reference for this capture, or None."""
    if classic_pcap_header(capture) is None and not is_ethernet_pcapng(capture):
        return 'it reads pcap on Ethernet only (pcapng is converted when all Ethernet)'
    if classic_pcap_header(capture) is not None and not is_classic_ethernet_pcap(capture):
        return 'it reads classic pcap on Ethernet only'
    # The first eth.type is the captured frame's (later ones are inside PACKET_INs).
    fields = run(['tshark', '-n', '-r', capture, '-T', 'fields', '-E', 'occurrence=f',
                  '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'eth.type'])
    for line in fields.splitlines():
        length, captured, ethertype = (line.split('\t') + ['', '', ''])[:3]
        if int(captured) < int(length):
            return 'frames are cut by the snaplen and it stops at the first gap'
        if ethertype == '0x86dd':
            return 'it reads TCP over IPv4 only'
    return None


def is_ethernet_pcapng(capture):
    """A pcapng whose interfaces are all Ethernet (editcap can write it as classic pcap)."""
    info = run(['capinfos', '-E', '-T', '-r', capture]).strip().split('\t')
    return len(info) >= 2 and info[1].strip() == 'ether'


OVS_DUMP = re.compile(r'^00000000  ([0-9a-f]{2}) ([0-9a-f]{2}) [0-9a-f]{2} [0-9a-f]{2} '
                      r'([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2}) ([0-9a-f]{2})')


def ovs_messages(capture, ports):
    """[{from, type, xid}] as ovs-ofctl ofp-parse-pcap decodes them."""
    with ovs_readable(capture, ports) as readable:
        text = run(['ovs-ofctl', 'ofp-parse-pcap', readable] + [str(p) for p in ports])
    lines = text.splitlines() + ['']
    out = []
    for i, line in enumerate(lines[:-1]):
        head = OVS_HEAD.match(line)
        if not head:
            continue
        direction = 'switch' if int(head.group(4)) in ports else 'controller'
        msg = OVS_MSG.match(lines[i + 1])
        if msg:
            name = msg.group(1)
            if name.startswith(('OFPST_', 'NXST_')):
                name = 'STATS_REQUEST' if msg.group(2) == 'request' else 'STATS_REPLY'
            elif name.startswith('NXT_'):
                name = 'VENDOR'
            else:
                name = name[len('OFPT_'):]
            out.append({'from': direction, 'type': name, 'xid': int(msg.group(5), 16)})
            continue
        # "***decode error: ...***" (a body ovs-ofctl rejects, e.g. an unknown vendor)
        # comes with a hex dump, whose header still gives the type and xid.
        dump = OVS_DUMP.match(lines[i + 2]) if i + 2 < len(lines) else None
        if dump:
            version, number = int(dump.group(1), 16), int(dump.group(2), 16)
            xid = int(''.join(dump.group(3, 4, 5, 6)), 16)
            out.append({'from': direction, 'type': type_name(version, number), 'xid': xid})
        else:
            out.append({'from': direction, 'type': 'UNPARSED: ' + lines[i + 1][:60], 'xid': None})
    return out


@contextlib.contextmanager
def ovs_readable(capture, ports):
    """The capture as ovs-ofctl can read it: classic pcap (editcap converts pcapng), with
    each direction's TCP segments in sequence order. ovs-ofctl's reassembly drops a segment
    that comes before its predecessor, and loopback captures on several CPUs record
    segments out of order, so the comparison would test which CPU ran when."""
    with tempfile.TemporaryDirectory() as tmp:
        classic = capture
        if classic_pcap_header(capture) is None:
            classic = os.path.join(tmp, 'converted.pcap')
            run(['editcap', '-F', 'pcap', capture, classic])
        sequenced = os.path.join(tmp, 'sequenced.pcap')
        moved = write_in_sequence_order(classic, ports, sequenced)
        if moved:
            print('note  ovs-ofctl: %d out-of-order segments put in sequence order for it' % moved)
        yield sequenced


def write_in_sequence_order(capture, ports, dest):
    """Copy capture to dest with every direction's segments sorted by sequence number, each
    segment taking a slot its direction already had. Returns how many segments moved."""
    order, _link = classic_pcap_header(capture)
    with open(capture, 'rb') as f:
        data = f.read()
    records = list(pcap_records(data, order))
    slots = collections.defaultdict(list)
    for index, (_start, _end, frame) in enumerate(records):
        segment = tcp_segment(frame, ports)
        if segment and segment[2]:
            key, seq, _payload = segment
            slots[key].append((index, seq))
    placed = list(range(len(records)))
    moved = 0
    for entries in slots.values():
        first = entries[0][1]
        ordered = sorted(entries, key=lambda entry: relative_seq(entry[1], first))
        for (slot, _), (index, _) in zip(entries, ordered):
            placed[slot] = index
            moved += slot != index
    with open(dest, 'wb') as out:
        out.write(data[:24])
        for index in placed:
            start, end, _frame = records[index]
            out.write(data[start:end])
    return moved


def relative_seq(seq, first):
    """seq as a distance from a direction's first seen sequence number, wraparound included
    (a segment seen after the first may come before it in the stream)."""
    return (seq - first + 2**31) % 2**32


# ------------------------------------------------------------------ segmentation
def pcap_records(data, order):
    """(start, end, frame) of every record of a classic pcap held in data."""
    offset = 24
    while offset + 16 <= len(data):
        incl = struct.unpack_from(order + 'I', data, offset + 8)[0]
        end = offset + 16 + incl
        yield offset, end, data[offset + 16:end]
        offset = end


def tcp_segment(frame, ports):
    """(direction key, seq, payload) of an Ethernet/IPv4/TCP frame on the ports, else None."""
    if len(frame) < 34 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
        return None
    ihl = (frame[14] & 0x0F) * 4
    ip_end = 14 + struct.unpack_from('!H', frame, 16)[0]
    tcp = frame[14 + ihl:ip_end]
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack_from('!HHI', tcp, 0)
    if sport not in ports and dport not in ports:
        return None
    return (sport, dport), seq, tcp[(tcp[12] >> 4) * 4:]


def tcp_payloads(capture, ports):
    """(direction key, seq, payload) of every TCP segment on the ports (Ethernet, IPv4)."""
    if not is_classic_ethernet_pcap(capture):
        sys.exit('segments: classic pcap on Ethernet only')
    order, _link = classic_pcap_header(capture)
    with open(capture, 'rb') as f:
        data = f.read()
    for _start, _end, frame in pcap_records(data, order):
        segment = tcp_segment(frame, ports)
        if segment:
            yield segment


def segmentation(capture, ports):
    """(messages spanning several segments, segments holding bytes of several messages)."""
    streams = collections.defaultdict(dict)
    for key, seq, payload in tcp_payloads(capture, ports):
        if payload:
            streams[key][seq] = payload
    spanning = shared = 0
    for segments in streams.values():
        first = next(iter(segments))
        base = min(segments, key=lambda seq: relative_seq(seq, first))
        # (offset in the stream, payload), in stream order
        ordered = sorted(((seq - base) % 2**32, payload) for seq, payload in segments.items())
        stream = bytearray()
        for start, payload in ordered:
            if start + len(payload) > len(stream):
                stream[start:] = payload
        starts, pos = [], 0
        while pos + 8 <= len(stream):
            starts.append(pos)
            pos += max(8, struct.unpack_from('!H', stream, pos + 2)[0])
        for lo, payload in ordered:
            if any(lo < s < lo + len(payload) for s in starts[1:]):
                shared += 1
        for s, e in zip(starts, starts[1:] + [len(stream)]):
            if sum(1 for lo, payload in ordered if lo < e and lo + len(payload) > s) > 1:
                spanning += 1
    return spanning, shared


# ------------------------------------------------------------------ ofscope
def ofscope_messages(path):
    out = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as err:
                sys.exit('%s:%d: not JSON: %s' % (path, number, err))
            record = {k: normal(lookup(obj, OFSCOPE_PATHS[k]))
                      for k in ('frame', 'from', 'version', 'type', 'xid', 'length')}
            if record['version'] != 1 and isinstance(obj.get('type_code'), int):
                # another version: named as the references' are normalised (TYPE_N)
                record['type'] = type_name(record['version'], obj['type_code'])
            record['type'] = str(record['type']).upper().removeprefix('OFPT_')
            if record['type'] == 'PACKET_IN':
                record['pi'] = ofscope_packet_in(obj)
            out.append(record)
    return out


def ofscope_packet_in(obj):
    pi = {}
    for key in TSHARK_FIELDS:
        value = lookup(obj, OFSCOPE_PATHS[key])
        if value is not None:
            pi[key] = normal(value)
    if isinstance(pi.get('reason'), str):
        pi['reason'] = PACKET_IN_REASONS.get(pi['reason'].upper(), pi['reason'])
    tags = lookup(obj, OFSCOPE_PATHS['vlan']) or []
    pi['vlan'] = [{'id': normal(lookup(t, OFSCOPE_PATHS['vlan.id'])),
                   'pcp': normal(lookup(t, OFSCOPE_PATHS['vlan.pcp']))}
                  for t in (tags if isinstance(tags, list) else [tags])]
    return pi


# ------------------------------------------------------------------ comparison
class Report:
    def __init__(self):
        self.failures = 0

    def check(self, ok, what, detail=''):
        print('%s  %s%s' % ('ok  ' if ok else 'FAIL', what, ('\n      ' + detail) if detail and not ok else ''))
        self.failures += not ok


def counts(messages):
    return collections.Counter((m['from'], m['type']) for m in messages)


def xids(messages, direction):
    return [m['xid'] for m in messages if m['from'] == direction]


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return 'first difference at #%d: %r vs %r' % (i, x, y)
    return 'lengths %d vs %d' % (len(a), len(b))


def count_diff(mine, theirs):
    keys = sorted(set(mine) | set(theirs))
    return ', '.join('%s %s: %d vs %d' % (d, t, mine[(d, t)], theirs[(d, t)])
                     for d, t in keys if mine[(d, t)] != theirs[(d, t)])


def compare(name, ofscope, reference, report, with_packet_in):
    mine, theirs = counts(ofscope), counts(reference)
    report.check(mine == theirs, '%s: counts per type and direction (%d messages)' % (name, len(reference)),
                 'ofscope vs %s: %s' % (name, count_diff(mine, theirs)))
    for direction in ('switch', 'controller'):
        a, b = xids(ofscope, direction), xids(reference, direction)
        report.check(a == b, '%s: xids from the %s in order (%d)' % (name, direction, len(b)),
                     first_difference(a, b))
    if not with_packet_in:
        return
    a = [m['pi'] for m in ofscope if m['type'] == 'PACKET_IN']
    b = [m['pi'] for m in reference if m['type'] == 'PACKET_IN']
    bad = []
    for i, (mine_pi, their_pi) in enumerate(zip(a, b)):
        for key in PACKET_IN_KEYS:
            if key in their_pi and mine_pi.get(key) != their_pi[key]:
                bad.append('PACKET_IN #%d %s: ofscope %r, %s %r' % (i, key, mine_pi.get(key), name, their_pi[key]))
    report.check(len(a) == len(b) and not bad,
                 '%s: PACKET_IN fields incl. nested eth/vlan/arp/ip/icmp (%d)' % (name, len(b)),
                 '\n      '.join(bad[:10] + ([] if len(a) == len(b) else ['%d vs %d PACKET_INs' % (len(a), len(b))])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('mode', choices=['check', 'as-ofscope', 'counts', 'segments'])
    ap.add_argument('capture')
    ap.add_argument('ofscope_jsonl', nargs='?')
    ap.add_argument('--port', type=int, action='append', help='controller port (default 6633 and 6653)')
    ap.add_argument('--min-spanning', type=int, default=1)
    ap.add_argument('--min-shared', type=int, default=1)
    args = ap.parse_args()
    ports = args.port or DEFAULT_PORTS
    if args.mode == 'segments':
        spanning, shared = segmentation(args.capture, ports)
        print('%d messages span several TCP segments; %d segments hold bytes of several messages'
              % (spanning, shared))
        return 0 if spanning >= args.min_spanning and shared >= args.min_shared else 1
    reference = tshark_messages(args.capture, ports)

    if args.mode == 'as-ofscope':
        for record in reference:
            print(json.dumps(as_ofscope(record)))
        return 0
    if args.mode == 'counts':
        per_type = collections.Counter(m['type'] for m in reference)
        print(', '.join('%s %d' % (t, n) for t, n in sorted(per_type.items(), key=lambda x: -x[1])),
              '(total %d)' % len(reference))
        return 0
    if not args.ofscope_jsonl:
        ap.error('check needs the ofscope jsonl file')
    ofscope = ofscope_messages(args.ofscope_jsonl)
    report = Report()
    print('%s: ofscope %d messages' % (args.capture, len(ofscope)))
    compare('tshark', ofscope, reference, report, with_packet_in=True)
    unfit = ovs_unfit(args.capture)
    if unfit:
        print('skip  ovs-ofctl: ' + unfit)
    else:
        compare('ovs-ofctl', ofscope, ovs_messages(args.capture, ports), report, with_packet_in=False)
    return 1 if report.failures else 0


if __name__ == '__main__':
    sys.exit(main())
