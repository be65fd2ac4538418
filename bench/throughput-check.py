#!/usr/bin/env python3
"""Controller throughput counted independently: the responses per second (PACKET_OUT and
FLOW_MOD, OpenFlow 1.0) of each OpenFlow connection in a capture, read from tshark's decode
alone, checked against the figures of `ofscope pcap CAPTURE --stats -T json`.

    bench/throughput-check.py CAPTURE [--ofscope BIN] [--port N] [--tolerance 0.01]

Seconds are 1 s windows of frame.time_relative (from the capture's first frame), as
ofscope counts them. For each connection: responses, seconds from the first response's to
the last's, mean per second and the busiest second. Exits 1 when a figure of ofscope's is
more than the tolerance (1 %) away from tshark's. python3 stdlib only; needs tshark.
"""
import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

PACKET_OUT, FLOW_MOD = 13, 14


def tshark_throughput(capture, port):
    """{tcp stream: (responses, seconds, mean, peak)} from tshark."""
    cmd = ["tshark", "-r", capture, "-n", "-d", f"tcp.port=={port},openflow",
           "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "openflow_v1",
           "-T", "fields", "-E", "occurrence=a", "-E", "separator=\t",
           "-e", "tcp.stream", "-e", "frame.time_relative", "-e", "openflow_1_0.type"]
    per_second = defaultdict(Counter)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            stream, rel, types = line.rstrip("\n").split("\t")
            second = int(rel.split(".")[0])
            n = sum(1 for t in types.split(",") if t and int(t) in (PACKET_OUT, FLOW_MOD))
            if n:
                per_second[stream][second] += n
    if p.returncode:
        sys.exit(f"tshark failed ({p.returncode})")
    out = {}
    for stream, counts in per_second.items():
        total = sum(counts.values())
        seconds = max(counts) - min(counts) + 1
        out[stream] = (total, seconds, total / seconds, max(counts.values()))
    return out


def ofscope_throughput(binary, capture, port):
    """[(responses, seconds, mean, peak)] per switch from `ofscope pcap --stats -T json`."""
    args = [binary, "pcap", capture, "--stats", "-T", "json", "-q"]
    if port not in (6633, 6653):
        args += ["--port", str(port)]
    report = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    rows = []
    for s in report["analysis"]["latency"]["switches"]:
        t = s.get("throughput")
        if t:
            rows.append((t["responses"], t["seconds"], t["mean_per_s"], t["peak_per_s"]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("--ofscope", default=str(Path(__file__).resolve().parent.parent / "target/release/ofscope"))
    ap.add_argument("--port", type=int, default=6633)
    ap.add_argument("--tolerance", type=float, default=0.01)
    a = ap.parse_args()
    theirs = sorted(tshark_throughput(a.capture, a.port).values())
    ours = sorted(ofscope_throughput(a.ofscope, a.capture, a.port))
    names = ("responses", "seconds", "mean/s", "peak/s")
    print(f"{'':8} " + " ".join(f"{n:>12}" for n in names))
    bad = len(ours) != len(theirs)
    for t, o in zip(theirs, ours):
        print(f"{'tshark':8} " + " ".join(f"{v:>12.1f}" for v in t))
        print(f"{'ofscope':8} " + " ".join(f"{v:>12.1f}" for v in o))
        for n, tv, ov in zip(names, t, o):
            off = abs(ov - tv) / max(abs(tv), 1e-9)
            if off > a.tolerance:
                print(f"  {n}: ofscope {ov} vs tshark {tv}: {off:.2%} apart")
                bad = True
    if len(ours) != len(theirs):
        print(f"connections with responses: tshark {len(theirs)}, ofscope {len(ours)}")
    print("DISAGREE" if bad else f"agree within {a.tolerance:.0%}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
