#!/usr/bin/env bash
# Compares two ofscope binaries' output on every bundled sample in every report mode, and
# the replay of every golden. A refactor that must not change output runs this before it
# lands: any line printed is a difference (the exit code is the number of differing runs).
#   bench/same-output.sh OLD_BINARY NEW_BINARY
set -uo pipefail
old=${1:?usage: same-output.sh OLD NEW}
new=${2:?usage: same-output.sh OLD NEW}
cd "$(dirname "$0")/.."
differ=0
check() { # label, then the arguments given to both binaries
  local label=$1
  shift
  if ! cmp -s <("$old" "$@" 2>&1; echo "exit $?") <("$new" "$@" 2>&1; echo "exit $?"); then
    echo "differs: $label: $*"
    differ=$((differ + 1))
  fi
}
for capture in samples/*.pcap samples/*.pcapng; do
  check text pcap "$capture" --print
  check verbose pcap "$capture" --print -V
  check jsonl pcap "$capture" -T jsonl
  for report in --stats --flows --latency --findings; do
    check "$report" pcap "$capture" -q "$report"
    check "$report json" pcap "$capture" -q "$report" -T json
  done
done
for golden in samples/*.golden.json; do
  check replay replay --assert "$golden"
  check "replay jsonl" replay --assert "$golden" -T jsonl
done
check "against recording" replay samples/basic.pcap --app learning:variant=ovs --against-recording
exit "$differ"
