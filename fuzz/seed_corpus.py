#!/usr/bin/env python3
"""Seed the fuzz corpora from ../shared/corpora and samples/ (see docs/fuzzing.md).

  fuzz/seed_corpus.py            run from the repository root

Writes one file per seed (named by its SHA-1, so reruns add nothing twice) into
  dissectors/fuzz/corpus/openflow_parse/   whole OpenFlow messages
  dissectors/fuzz/corpus/frame_parse/      the frames inside PACKET_IN / PACKET_OUT
  fuzz/corpus/stream_reassembly/           two streams and segment operations
  fuzz/corpus/capture_pipeline/            segment scripts
  fuzz/corpus/filter/                      the filters of docs/filters.md, alone and with
                                           messages of the captures
  fuzz/corpus/golden_reader/               the goldens in samples/
  fuzz/corpus/replay_apps/                 each golden's app options with its capture's
                                           switch messages
  fuzz/corpus/control_conn/                what each capture's switches sent, as one stream
(the formats are in the header comments of fuzz/fuzz_targets/*.rs)
The corpus directories are not committed. python3 stdlib; tshark for the captures.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPORA = os.path.join(ROOT, '..', 'shared', 'corpora')
OUT = {
    'openflow_parse': os.path.join(ROOT, 'dissectors', 'fuzz', 'corpus', 'openflow_parse'),
    'frame_parse': os.path.join(ROOT, 'dissectors', 'fuzz', 'corpus', 'frame_parse'),
    'stream_reassembly': os.path.join(ROOT, 'fuzz', 'corpus', 'stream_reassembly'),
    'capture_pipeline': os.path.join(ROOT, 'fuzz', 'corpus', 'capture_pipeline'),
    'filter': os.path.join(ROOT, 'fuzz', 'corpus', 'filter'),
    'golden_reader': os.path.join(ROOT, 'fuzz', 'corpus', 'golden_reader'),
    'replay_apps': os.path.join(ROOT, 'fuzz', 'corpus', 'replay_apps'),
    'control_conn': os.path.join(ROOT, 'fuzz', 'corpus', 'control_conn'),
}
# The messages each capture's switch sent (by file name), for the filter and app seeds.
SWITCH_MESSAGES = {}
PACKET_IN, PACKET_OUT = 10, 13


def save(target, data):
    if not data:
        return
    os.makedirs(OUT[target], exist_ok=True)
    with open(os.path.join(OUT[target], hashlib.sha1(data).hexdigest()), 'wb') as f:
        f.write(data)


def message(data):
    """One OpenFlow message: itself, and its nested frame if it has one."""
    save('openflow_parse', data)
    if len(data) < 8 or data[0] != 1:
        return
    if data[1] == PACKET_IN:
        save('frame_parse', data[18:])
    elif data[1] == PACKET_OUT and len(data) >= 16:
        actions_len = int.from_bytes(data[14:16], 'big')
        save('frame_parse', data[16 + actions_len:])


def split_messages(stream):
    """The OpenFlow messages of one direction's bytes, as far as the headers frame them."""
    out = []
    while len(stream) >= 8:
        length = int.from_bytes(stream[2:4], 'big')
        if length < 8:
            break
        out.append(stream[:length])
        stream = stream[length:]
    return out


def hex_corpora():
    for name in ('ovs_ofp_print_of10.jsonl', 'ovs_ofp_errors_of10.jsonl'):
        with open(os.path.join(CORPORA, name)) as f:
            for line in f:
                hexed = json.loads(line).get('hex')
                if hexed:
                    message(bytes.fromhex(re.sub(r'\s', '', hexed)))
    for path in glob.glob(os.path.join(CORPORA, 'loxigen_of10', '*.data')):
        with open(path) as f:
            text = f.read()
        binary = text.split('-- binary', 1)[-1].split('\n--', 1)[0]
        digits = ''.join(line.split('#')[0] for line in binary.splitlines())
        message(bytes.fromhex(re.sub(r'\s', '', digits)))
    for pattern in ('kytos_of10/raw/*.dat', 'ryu_of10/packet_data/*.packet'):
        for path in glob.glob(os.path.join(CORPORA, pattern)):
            with open(path, 'rb') as f:
                message(f.read())


def pipeline_script(segments):
    """A capture_pipeline script: each segment in order, records of at most 255 bytes."""
    out = bytearray()
    for sender, payload in segments:
        for i in range(0, len(payload), 255):
            chunk = payload[i:i + 255]
            out += bytes([sender, len(chunk)]) + chunk
    return bytes(out)


def stream_ops(streams):
    """A stream_reassembly input: up to 2040 bytes per direction, sent in order in
    segments of up to 200 bytes, ACK set."""
    out, ops = bytearray(), bytearray()
    for side, stream in enumerate(streams):
        stream = stream[:2040]
        stream += bytes(-len(stream) % 8)
        out += bytes([len(stream) // 8]) + stream
        for start in range(0, len(stream), 200):
            length = min(200, len(stream) - start)
            ops += bytes([side | 4]) + start.to_bytes(2, 'big') + length.to_bytes(2, 'big') + bytes(3)
    return bytes(out + ops)


def captures():
    if shutil.which('tshark') is None:
        print('tshark not found: seeds from captures skipped', file=sys.stderr)
        return
    paths = glob.glob(os.path.join(CORPORA, 'pcaps', '**', '*.pcap*'), recursive=True)
    paths += glob.glob(os.path.join(CORPORA, 'reference_decodes', '*.pcap'))
    paths += glob.glob(os.path.join(ROOT, 'samples', '*.pcap*'))
    for path in paths:
        out = subprocess.run(['tshark', '-n', '-r', path, '-T', 'fields', '-E', 'occurrence=f',
                              '-e', 'tcp.srcport',
                              '-e', 'tcp.dstport', '-e', 'tcp.payload'],
                             capture_output=True, text=True).stdout
        streams, segments = {}, []
        for line in out.splitlines():
            parts = line.split('\t')
            if len(parts) != 3 or not parts[2]:
                continue
            payload = bytes.fromhex(parts[2].replace(':', ''))
            sport, dport = int(parts[0]), int(parts[1])
            # The controller's port is the lower one in every capture we have.
            sender = 0 if sport > dport else 1
            streams.setdefault((sport, dport), bytearray()).extend(payload)
            segments.append((sender, payload))
        for (sport, dport), stream in streams.items():
            for msg in split_messages(bytes(stream)):
                message(msg)
                if sport > dport:
                    SWITCH_MESSAGES.setdefault(os.path.basename(path), []).append(msg)
        # A few scripts per capture: fuzzing works best on small inputs.
        for i in range(0, min(len(segments), 64), 16):
            save('capture_pipeline', pipeline_script(segments[i:i + 16]))
        by_sender = [bytearray(), bytearray()]
        for sender, payload in segments:
            by_sender[sender] += payload
        save('stream_reassembly', stream_ops(by_sender))


def filters():
    """Every line of the `filter` blocks of docs/filters.md: alone (the target's built-in
    messages), and followed by a NUL and a few messages of each capture."""
    with open(os.path.join(ROOT, 'docs', 'filters.md')) as f:
        blocks = re.findall(r'```filter\n(.*?)```', f.read(), re.S)
    messages = [b''.join(m[:8]) for m in SWITCH_MESSAGES.values()]
    for line in '\n'.join(blocks).splitlines():
        expression = line.strip().encode()
        save('filter', expression)
        for wire in messages[:4]:
            save('filter', expression + b'\0' + wire)


def goldens():
    """Each golden as it is, and its apps' options with the switch messages of its capture
    (records of the replay_apps script: a FEATURES_REPLY, then the messages)."""
    for path in glob.glob(os.path.join(ROOT, 'samples', '*.golden.json')):
        with open(path, 'rb') as f:
            text = f.read()
        save('golden_reader', text)
        golden = json.loads(text)
        script = bytes([2, 0])
        for msg in SWITCH_MESSAGES.get(os.path.basename(golden['capture']), [])[:64]:
            if len(msg) <= 255:
                script += bytes([8, len(msg)]) + msg
        for app in golden['apps']:
            options = app.partition(':')[2]
            save('replay_apps', options.encode() + b'\0' + script)


def switches():
    """The first messages each capture's switches sent (HELLO first), as the bytes a switch
    sends `ofscope control`."""
    for messages in SWITCH_MESSAGES.values():
        save('control_conn', b''.join(messages[:64]))


def main():
    hex_corpora()
    captures()
    switches()
    filters()
    goldens()
    for target, path in OUT.items():
        count = len(os.listdir(path)) if os.path.isdir(path) else 0
        print('%-18s %5d seeds in %s' % (target, count, os.path.relpath(path, ROOT)))


if __name__ == '__main__':
    main()
