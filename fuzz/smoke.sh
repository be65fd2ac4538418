#!/usr/bin/env bash
# The fuzzing smoke pass of .ci/run: every cargo-fuzz target for SECONDS (20) on its
# regression corpus (fuzz/regressions/TARGET, see fuzz/make_regressions.sh) plus any seeds
# of fuzz/seed_corpus.py. A crash fails; without nightly Rust or cargo-fuzz it says so on
# one line and passes. Run from anywhere: bash fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}

# Crate directory, target, largest input (docs/fuzzing.md says why each).
TARGETS=(
  "dissectors openflow_parse 4096"
  "dissectors frame_parse 4096"
  ". stream_reassembly 4096"
  ". capture_pipeline 1024"
  ". capture_file 16384"
  ". filter 4096"
  ". golden_reader 16384"
  ". replay_apps 4096"
  ". control_conn 4096"
)

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz smoke pass skipped: no nightly Rust toolchain (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke pass skipped: cargo-fuzz is not installed (cargo install cargo-fuzz)"
  exit 0
fi

log=$(mktemp)
for crate in dissectors .; do
  if ! (cd "$crate" && cargo +nightly fuzz build -s none) >"$log" 2>&1; then
    echo "fuzz smoke pass: the targets of $crate/fuzz do not build:" >&2
    grep -E -A 12 '^error' "$log" >&2
    exit 1
  fi
done
rm -f "$log"

for entry in "${TARGETS[@]}"; do
  read -r crate target max_len <<<"$entry"
  # New inputs go to the (ignored) corpus directory; the regressions are only read.
  corpus="$crate/fuzz/corpus/$target"
  regressions="$PWD/fuzz/regressions/$target"
  mkdir -p "$corpus"
  seeds=()
  [[ -d $regressions ]] && seeds+=("$regressions")
  if (cd "$crate" && cargo +nightly fuzz run -s none "$target" "fuzz/corpus/$target" "${seeds[@]}" -- \
      -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1) >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz $target: $runs executions ($rate/s), no crash"
  else
    echo "fuzz $target: CRASH; the libFuzzer report follows, the input is in $crate/fuzz/artifacts/$target/" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
done
rm -f "$log"
