#!/usr/bin/env bash
# Builds the native library and stages a ready-to-import CMAAD module folder with the library
# inside it (bin/<rid>/<library>), by default under dist/CMAAD.
#
# Usage: powershell/stage-module.sh [--debug] [--target <rust target triple>] [--out <folder>]
#   --debug    stage target/debug instead of a release build
#   --target   cross-build (e.g. x86_64-pc-windows-msvc); the rid folder follows the triple
#   --out      destination module folder (default dist/CMAAD)
# Then: pwsh -c 'Import-Module ./dist/CMAAD/CMAAD.psd1'   (or copy dist/CMAAD into a $env:PSModulePath folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=release
target=
out="$root/dist/CMAAD"
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --target) target=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "stage-module: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# The runtime identifier and library file name PowerShell will look for (Get-CmaadLibraryPath).
triple=$target
if [ -z "$triple" ]; then
  triple=$(rustc -vV | sed -n 's/^host: //p')
fi
case "$triple" in
  x86_64-*) arch=x64 ;;
  aarch64-*|arm64-*) arch=arm64 ;;
  i686-*|i586-*) arch=x86 ;;
  *) echo "stage-module: unsupported architecture in '$triple'" >&2; exit 2 ;;
esac
case "$triple" in
  *-linux-*) os=linux; built=libcmaad.so; file=libcmaad.so ;;
  *-apple-darwin) os=osx; built=libcmaad.dylib; file=libcmaad.dylib ;;
  *-windows-*) os=win; built=cmaad.dll; file=cmaad.dll ;;
  *) echo "stage-module: unsupported OS in '$triple'" >&2; exit 2 ;;
esac
rid="$os-$arch"

cargo_args=(build --lib --manifest-path "$root/Cargo.toml")
[ "$profile" = release ] && cargo_args+=(--release)
[ -n "$target" ] && cargo_args+=(--target "$target")
case "$triple" in
  # Link the C runtime statically so cmaad.dll needs no Visual C++ redistributable.
  *-windows-msvc) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" ;;
esac
echo "stage-module: cargo ${cargo_args[*]}"
cargo "${cargo_args[@]}"

libdir="$root/target/${target:+$target/}$profile"
lib="$libdir/$built"
[ -f "$lib" ] || { echo "stage-module: $lib was not built" >&2; exit 1; }

# The module version follows the library version.
crate_version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -1)
module_version=$(sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" "$root/powershell/CMAAD/CMAAD.psd1")
if [ "$crate_version" != "$module_version" ]; then
  echo "stage-module: CMAAD.psd1 ModuleVersion $module_version differs from Cargo.toml version $crate_version" >&2
  exit 1
fi

# Every function of the header must be exported by the library being shipped.
if command -v nm >/dev/null 2>&1 && [ "$os" = linux ]; then
  missing=
  for fn in $(grep -oE '\bcmaad_[a-z_]+\(' "$root/include/cmaad.h" | tr -d '(' | sort -u); do
    nm -D --defined-only "$lib" | grep -qw "$fn" || missing="$missing $fn"
  done
  [ -z "$missing" ] || { echo "stage-module: $lib lacks:$missing" >&2; exit 1; }
fi

rm -rf "$out"
mkdir -p "$out/bin/$rid"

# --- The module: manifest, loader, formats, help, licence, and the compiled cmdlets. ---
(cd "$root/powershell/CMAAD" && tar --exclude='./bin' -cf - .) | (cd "$out" && tar -xf -)
cp "$root/LICENSE" "$out/LICENSE"
pwsh_bin=${CMAAD_PWSH:-$root/../shared/tools/powershell/bin/pwsh}
if [ ! -x "$pwsh_bin" ]; then
  pwsh_bin=$(command -v pwsh || true)
fi
[ -n "$pwsh_bin" ] || { echo "stage-module: no PowerShell to compile the cmdlets with (../shared/tools/powershell/bin/pwsh, pwsh, or \$CMAAD_PWSH)" >&2; exit 1; }
"$pwsh_bin" -NoProfile -NonInteractive -File "$root/powershell/build.ps1" -OutputPath "$out"

# --- The native library for this platform. ---
cp "$lib" "$out/bin/$rid/$file"
if [ "$profile" = release ] && [ "$os" = linux ] && command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$out/bin/$rid/$file"
fi
chmod 0644 "$out"/*.ps* "$out"/*.ps1xml "$out"/bin/*/CMAAD.dll

# --- The staged manifest's FileList: exactly the files staged (after every file is in place,
# before any release archive is made), so Test-ModuleManifest checks what ships. ---
list_file=$(mktemp)
(cd "$out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) | sed "s/.*/        '&',/; \$ s/,\$//" >"$list_file"
awk -v list="$list_file" '
  /^    FileList *= *@\(/ { print; while ((getline line < list) > 0) print line; skip = 1; next }
  skip && /^    \)/ { skip = 0 }
  !skip { print }' "$out/CMAAD.psd1" >"$out/CMAAD.psd1.new"
mv "$out/CMAAD.psd1.new" "$out/CMAAD.psd1"
chmod 0644 "$out/CMAAD.psd1"
rm -f "$list_file"
echo "stage-module: staged $out (CMAAD $module_version, $rid, $(du -h "$out/bin/$rid/$file" | cut -f1) library)"
echo "  Import-Module '$out/CMAAD.psd1'"

