#!/usr/bin/env bash
# Runs each cargo-fuzz target for a set time (default 60 s each) and prints executions.
#   scripts/fuzz.sh [seconds]
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crashes land in
# fuzz/artifacts/<target>/; copy each into fuzz/regressions/ so tests/fuzz_regressions.rs
# replays it in every test run.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-60}
for target in $(cargo +nightly fuzz list); do
  corpus=corpus/$target
  mkdir -p "$corpus" ../target/fuzz-work/$target
  cp -n "$corpus"/* ../target/fuzz-work/$target/ 2>/dev/null || true
  echo "== fuzzing $target for ${secs}s"
  cargo +nightly fuzz run "$target" ../target/fuzz-work/$target -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 \
    | tee ../target/fuzz-$target.log | grep -E '^(#[0-9]+\s+DONE|Done [0-9]+ runs|==[0-9]+== ERROR|SUMMARY)' || true
  grep -q 'ERROR' ../target/fuzz-$target.log && { echo "fuzz target $target crashed: see fuzz/artifacts/$target" >&2; exit 1; }
done
echo "fuzzing: no crashes"
