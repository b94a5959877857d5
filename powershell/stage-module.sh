#!/usr/bin/env bash
# Builds the native library for each platform and stages a ready-to-import CMAAD module folder
# with the libraries inside it (bin/<rid>/<library>), by default under dist/CMAAD, and the
# release archive dist/CMAAD-<version>.zip (the folder's content: unzip it into
# ...\Modules\CMAAD on Windows).
#
# Usage: powershell/stage-module.sh [--debug] [--archive] [--target <rust target triple>]... [--out <folder>]
#   --debug    stage debug builds of the libraries instead of release builds (no archive unless
#              --archive: a debug build is never a release)
#   --target   the platforms to stage, repeatable (default: this machine's, and from Linux x86_64
#              also x86_64-pc-windows-gnu: bin/linux-x64/libcmaad.so and bin/win-x64/cmaad.dll)
#   --out      destination module folder (default dist/CMAAD; the archive goes beside it)
# Then: pwsh -c 'Import-Module ./dist/CMAAD/CMAAD.psd1'   (or copy dist/CMAAD into a $env:PSModulePath folder)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
profile=release
targets=()
archive_too=
out="$root/dist/CMAAD"
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --archive) archive_too=1 ;;
    --target) targets+=("$2"); shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "stage-module: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
host=$(rustc -vV | sed -n 's/^host: //p')
if [ "${#targets[@]}" -eq 0 ]; then
  targets=("$host")
  [ "$host" = x86_64-unknown-linux-gnu ] && targets+=(x86_64-pc-windows-gnu)
fi

# What the cross builds need is checked before any build starts, not after the first one.
for triple in "${targets[@]}"; do
  case "$triple" in
    *-windows-gnu)
      missing=
      command -v x86_64-w64-mingw32-gcc >/dev/null || missing="mingw (apt-get install -y gcc-mingw-w64-x86-64)"
      rustup target list --installed 2>/dev/null | grep -qx "$triple" || missing="${missing:+$missing and }the Rust target (rustup target add $triple)"
      if [ -n "$missing" ]; then
        echo "stage-module: cmaad.dll needs $missing; or stage this platform only: --target $host" >&2
        exit 1
      fi ;;
  esac
done

# The runtime identifier and library file name the module looks for (Native.cs) for a target
# triple: sets os, rid, built (cargo's file name) and file (the staged name).
library_for() {
  case "$1" in
    x86_64-*) arch=x64 ;;
    aarch64-*|arm64-*) arch=arm64 ;;
    i686-*|i586-*) arch=x86 ;;
    *) echo "stage-module: unsupported architecture in '$1'" >&2; exit 2 ;;
  esac
  case "$1" in
    *-linux-*) os=linux; built=libcmaad.so; file=libcmaad.so ;;
    *-apple-darwin) os=osx; built=libcmaad.dylib; file=libcmaad.dylib ;;
    *-windows-*) os=win; built=cmaad.dll; file=cmaad.dll ;;
    *) echo "stage-module: unsupported OS in '$1'" >&2; exit 2 ;;
  esac
  rid="$os-$arch"
}

# Builds the library for a triple (this machine's in target/<profile>, others in
# target/<triple>/<profile>) into $lib and checks that it exports every function of the header.
build_library() {
  local triple=$1 cargo_args=(build --lib --manifest-path "$root/Cargo.toml") libdir="$root/target/$profile"
  library_for "$triple"
  [ "$profile" = release ] && cargo_args+=(--release)
  if [ "$triple" != "$host" ]; then
    cargo_args+=(--target "$triple")
    libdir="$root/target/$triple/$profile"
  fi
  case "$triple" in
    # Link the C runtime statically so cmaad.dll needs no Visual C++ redistributable.
    *-windows-msvc) export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" ;;
  esac
  echo "stage-module: cargo ${cargo_args[*]}"
  cargo "${cargo_args[@]}"
  lib="$libdir/$built"
  [ -f "$lib" ] || { echo "stage-module: $lib was not built" >&2; exit 1; }
  local exported missing=
  case "$os" in
    linux) exported=$(nm -D --defined-only "$lib" 2>/dev/null || true) ;;
    win) exported=$(x86_64-w64-mingw32-objdump -p "$lib" 2>/dev/null | sed -n '/Ordinal\/Name Pointer/,$p' || true) ;;
    *) return 0 ;;
  esac
  [ -n "$exported" ] || { echo "stage-module: cannot list the exports of $lib (nm, x86_64-w64-mingw32-objdump)" >&2; exit 1; }
  for fn in $(grep -oE '\bcmaad_[a-z_]+\(' "$root/include/cmaad.h" | tr -d '(' | sort -u); do
    grep -qw "$fn" <<<"$exported" || missing="$missing $fn"
  done
  [ -z "$missing" ] || { echo "stage-module: $lib lacks:$missing" >&2; exit 1; }
}

# The module version follows the library version.
crate_version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -1)
module_version=$(sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" "$root/powershell/CMAAD/CMAAD.psd1")
if [ "$crate_version" != "$module_version" ]; then
  echo "stage-module: CMAAD.psd1 ModuleVersion $module_version differs from Cargo.toml version $crate_version" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/bin"

# --- The module: manifest, loader, formats, help, licence, and the compiled cmdlets. ---
(cd "$root/powershell/CMAAD" && tar --exclude='./bin' -cf - .) | (cd "$out" && tar -xf -)
cp "$root/LICENSE" "$out/LICENSE"
pwsh_bin=${CMAAD_PWSH:-$root/../shared/tools/powershell/bin/pwsh}
if [ ! -x "$pwsh_bin" ]; then
  pwsh_bin=$(command -v pwsh || true)
fi
[ -n "$pwsh_bin" ] || { echo "stage-module: no PowerShell to compile the cmdlets with (../shared/tools/powershell/bin/pwsh, pwsh, or \$CMAAD_PWSH)" >&2; exit 1; }
"$pwsh_bin" -NoProfile -NonInteractive -File "$root/powershell/build.ps1" -OutputPath "$out"

# --- The native libraries, one folder per runtime identifier. ---
staged=()
for triple in "${targets[@]}"; do
  build_library "$triple"
  mkdir -p "$out/bin/$rid"
  cp "$lib" "$out/bin/$rid/$file"
  if [ "$profile" = release ]; then
    case "$os" in
      linux) if command -v strip >/dev/null 2>&1; then strip --strip-unneeded "$out/bin/$rid/$file"; fi ;;
      win) x86_64-w64-mingw32-strip --strip-unneeded "$out/bin/$rid/$file" ;;
    esac
  fi
  chmod 0644 "$out/bin/$rid/$file"
  staged+=("$rid/$file ($(du -h "$out/bin/$rid/$file" | cut -f1))")
done
chmod 0644 "$out"/*.ps* "$out"/*.ps1xml "$out"/bin/*/CMAAD.Commands.dll

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
echo "stage-module: staged $out (CMAAD $module_version: ${staged[*]})"
echo "  Import-Module '$out/CMAAD.psd1'"

# --- The release archive: the module folder's content, for ...\Modules\CMAAD on Windows. ---
[ "$profile" = release ] || [ -n "$archive_too" ] || exit 0
archive="$(cd "$(dirname "$out")" && pwd)/CMAAD-$module_version.zip"
command -v zip >/dev/null || { echo "stage-module: zip is not installed (apt-get install -y zip)" >&2; exit 1; }
rm -f "$archive"
(cd "$out" && zip -qrX "$archive" .)
echo "stage-module: $archive ($(du -h "$archive" | cut -f1))"
