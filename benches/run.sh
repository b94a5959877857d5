#!/usr/bin/env bash
# CMAAD benchmarks: builds, starts the local Entra fake over https, installs the Python peers
# (msal, azure-identity) in a venv under target/, measures everything against that one fake and
# prints one markdown table (also saved to target/bench-report.md).
#
#   benches/run.sh                    # the full run (store up to 100 000 apps)
#   STORE_MAX=10000 benches/run.sh    # a quicker run
#
# All network traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/target/bench
mkdir -p "$WORK"
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset HTTPS_PROXY HTTP_PROXY https_proxy http_proxy ALL_PROXY all_proxy || true
# The fake's site key must not come from the environment of whoever runs this.
unset CMAAD_SITE_KEY || true

step() { printf '\n== %s\n' "$*" >&2; }

step "build (release)"
cargo build --release --workspace >&2
BENCH_BIN=$(cargo bench --bench cmaad_bench --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "cmaad_bench" and m.get("executable"):
        print(m["executable"])')
[ -x "$BENCH_BIN" ] || { echo "bench binary not built" >&2; exit 1; }
cc -O2 -Wall -Wextra -o "$WORK/probe" benches/probe.c -ldl
LIB=$ROOT/target/release/libcmaad.so

step "Python peers (venv: $WORK/venv)"
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
fi
"$WORK/venv/bin/pip" install -q --disable-pip-version-check msal azure-identity >&2

step "fake Entra over https"
"$BENCH_BIN" config "$WORK/fake.json"
rm -f "$WORK/fake.out" "$WORK/ca.pem"
"$ROOT/target/release/fake-entra" "$WORK/fake.json" --https "$WORK/ca.pem" >"$WORK/fake.out" &
FAKE_PID=$!
trap 'kill "$FAKE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ "$(wc -l <"$WORK/fake.out")" -ge 2 ] && break
  sleep 0.05
done
BASE=$(sed -n 1p "$WORK/fake.out")
case "$BASE" in https://127.0.0.1:*) ;; *) echo "fake did not start: '$BASE'" >&2; exit 1 ;; esac
echo "fake at $BASE (pid $FAKE_PID)" >&2

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MACHINE="$CPU, $(nproc) cores, Linux $(uname -r)"

step "measure"
"$BENCH_BIN" run --base "$BASE" --ca "$WORK/ca.pem" \
  --python "$WORK/venv/bin/python" --peers "$ROOT/benches/peers.py" \
  --probe "$WORK/probe" --lib "$LIB" --work "$WORK/run" \
  --store-max "${STORE_MAX:-100000}" \
  --machine "$MACHINE" --command "benches/run.sh" \
  --out "$ROOT/target/bench-report.md"
