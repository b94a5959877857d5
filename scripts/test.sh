#!/usr/bin/env bash
# The project's test command: every layer that runs on this machine.
#   Rust API and C ABI (cargo test), the committed header, format and lints, the C program
#   against include/cmaad.h (under valgrind), and the compiled PowerShell module staged and run
#   by Pester in real PowerShell. Long-running reliability variants: see README ("Reliability").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
step() { printf '\n== %s\n' "$*"; }

step "format and lints"
if cargo fmt --version >/dev/null 2>&1; then cargo fmt --all -- --check; else echo "rustfmt is not installed: format check skipped"; fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --workspace --all-targets -q -- -D warnings
else
  echo "clippy is not installed: lints skipped"
fi

step "cargo test (Rust API, C ABI from Rust, header freshness, fake Entra)"
cargo test --workspace 2>&1 | tee target/cargo-test.log | grep -E '^(test result|running|error|failures:|---- )|panicked' || true
if grep -qE '^test result: FAILED|^error(\[|:)' target/cargo-test.log; then
  echo "cargo test failed; see target/cargo-test.log" >&2
  grep -A30 '^failures:' target/cargo-test.log | head -80 >&2 || true
  exit 1
fi

step "C program against include/cmaad.h, under valgrind"
cargo build -q
cc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude tests/c/flow_test.c \
   -Ltarget/debug -lcmaad -Wl,-rpath,"$root/target/debug" -o target/flow_test
store=$(mktemp -d)
./target/flow_test "$store"
if command -v valgrind >/dev/null; then
  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
    ./target/flow_test "$(mktemp -d)"
  echo "valgrind: no leaks, no invalid accesses"
else
  echo "valgrind missing: install it (apt-get install -y valgrind)" >&2; exit 1
fi

step "Windows: cmaad.dll (x86_64-pc-windows-gnu) lints, unit tests, C flow test and Windows test program under wine64"
cargo clippy --lib --target x86_64-pc-windows-gnu -q -- -D warnings
bash tests/windows/run.sh

step "PowerShell module: compiled for Windows PowerShell 5.1 (net462) and PowerShell 7, staged, Pester in the shared pwsh"
bash tests/powershell/run-pester.sh

step "PowerShell module in PowerShell 7 for Windows under wine64 (pwsh-windows): the same Pester suite and the Windows-only tests, on bin/win-x64/cmaad.dll"
bash tests/powershell/run-pester-windows.sh

step "all layers passed"
