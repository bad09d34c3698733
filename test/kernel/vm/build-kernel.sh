#!/usr/bin/env bash
# Builds the conformance VM's kernel: Linux 6.1 from Debian's linux-source-6.1, x86_64 tinyconfig plus
# kernel.config, with the mbochs and mdpy samples as modules. The result is cached OUTSIDE the clone, keyed by
# a hash of its inputs (the source package version, the fragment and this script), and reused while they are
# unchanged. Prints the cache directory (holding bzImage, modules/, config, build-seconds) on stdout's last line.
# Needs: linux-source-6.1 and the build tools of scripts/deps/kernel.list.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${VFIO_DISPLAY_CACHE:-/var/cache/vfio-display}"
tarball=/usr/src/linux-source-6.1.tar.xz
[ -r "$tarball" ] || { echo "build-kernel: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 2; }

src_version="$(dpkg-query -W -f='${Version}' linux-source-6.1)"
key="$( { echo "$src_version"; cat "$here/kernel.config" "$here/build-kernel.sh"; } | sha256sum | cut -c1-16)"
out="$cache_root/kernel-$key"
if [ -f "$out/bzImage" ] && [ -f "$out/build-seconds" ]; then
  echo "build-kernel: cached $out (built in $(cat "$out/build-seconds")s)" >&2
  echo "$out"
  exit 0
fi

start=$(date +%s)
work="$cache_root/build-$key"
rm -rf "$work" && mkdir -p "$work"
echo "build-kernel: unpacking $tarball into $work" >&2
tar -C "$work" -xf "$tarball"
tree="$work/linux-source-6.1"
jobs="$(nproc)"
(
  cd "$tree"
  make -s ARCH=x86_64 tinyconfig >&2
  ./scripts/kconfig/merge_config.sh -m .config "$here/kernel.config" >&2
  make -s ARCH=x86_64 olddefconfig >&2
  # Every symbol the fragment asks for must have survived olddefconfig (unmet dependencies drop it silently).
  missing=0
  while IFS= read -r line; do
    case "$line" in CONFIG_*) grep -qx "$line" .config || { echo "build-kernel: $line did not stick" >&2; missing=1; } ;; esac
  done < "$here/kernel.config"
  [ "$missing" -eq 0 ] || exit 3
  echo "build-kernel: make -j$jobs bzImage modules" >&2
  make -s -j"$jobs" ARCH=x86_64 bzImage modules >&2
  rm -rf "$work/modroot"
  make -s ARCH=x86_64 INSTALL_MOD_PATH="$work/modroot" modules_install >&2
)
tmp_out="$out.tmp"
rm -rf "$tmp_out" && mkdir -p "$tmp_out"
cp "$tree/arch/x86/boot/bzImage" "$tmp_out/bzImage"
cp "$tree/.config" "$tmp_out/config"
cp -a "$work/modroot/lib/modules" "$tmp_out/modules"
echo $(( $(date +%s) - start )) > "$tmp_out/build-seconds"
rm -rf "$out" && mv "$tmp_out" "$out"
rm -rf "$work"
echo "build-kernel: built $out in $(cat "$out/build-seconds")s" >&2
echo "$out"
