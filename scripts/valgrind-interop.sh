#!/usr/bin/env bash
# Runs the mono interop test (tests/interop) under valgrind and fails on any invalid access or
# leak whose stack passes through libcmaad: mono's own garbage collector and JIT are noisy under
# memcheck, so only errors attributable to the native library are counted.
#   scripts/valgrind-interop.sh [path of libcmaad.so]
set -euo pipefail
cd "$(dirname "$0")/.."
lib=${1:-$PWD/target/debug/libcmaad.so}
xml=$(mktemp --suffix=.xml)
export CMAAD_INTEROP_WRAPPER="valgrind --xml=yes --xml-file=$xml --leak-check=full --show-leak-kinds=definite,indirect --undef-value-errors=no --smc-check=all"
bash tests/interop/run.sh "$lib"
python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ours, total = [], 0
for err in root.iter("error"):
    total += 1
    kind = err.findtext("kind")
    frames = [(f.findtext("obj") or "", f.findtext("fn") or "") for f in err.iter("frame")]
    if any("libcmaad" in obj or fn.startswith("cmaad_") for obj, fn in frames):
        what = err.findtext("what") or (err.find("xwhat").findtext("text") if err.find("xwhat") is not None else kind)
        ours.append(f"{kind}: {what}\n    " + "\n    ".join(f"{fn} ({obj})" for obj, fn in frames[:8]))
print(f"valgrind (mono interop test): {total} error record(s) in all, {len(ours)} through libcmaad")
for o in ours:
    print(o)
sys.exit(1 if ours else 0)
PY
