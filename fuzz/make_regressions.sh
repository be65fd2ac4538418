#!/usr/bin/env bash
# Rewrites fuzz/regressions/: the hostile inputs the tests make (each test hands them to
# common::keep_for_fuzzing), and small captures of every bench/hostile_capture.py shape.
# The smoke pass of .ci/run and the long runs start from these (docs/fuzzing.md).
# Run from anywhere; takes a few minutes (it runs the integration tests that make them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/regressions
rm -rf "$out"
OFSCOPE_FUZZ_REGRESSIONS="$PWD/$out" cargo test --release --test it -q -- \
  capture_formats:: cli_ filter_errors:: replay_cli:: stream_ >/dev/null
for shape in switches reconnects hellos flows; do
  python3 bench/hostile_capture.py "$shape" 3 "$out/capture_file/hostile-$shape.pcap"
done
du -sh "$out"/*
