#!/usr/bin/env bash
# Packs the conformance VM's initramfs: busybox, the kernel's modules, node with the libraries ldd lists,
# the bundled VM entry point and koffi (the one runtime package it loads). Usage:
#   make-initramfs.sh <kernel-cache-dir> <bundle.mjs> <project-root> <out.cpio.gz>
set -euo pipefail
kdir="$1"; bundle="$2"; project="$3"; out="$4"
here="$(cd "$(dirname "$0")" && pwd)"
stage="$(mktemp -d /tmp/vfio-display-initramfs.XXXXXX)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,app/node_modules/@koromix,usr/bin,lib/modules}
cp /bin/busybox "$stage/bin/busybox"
cp "$here/init.sh" "$stage/init" && chmod 755 "$stage/init"
cp -a "$kdir/modules/." "$stage/lib/modules/"
node_bin="$(readlink -f "$(command -v node)")"
cp "$node_bin" "$stage/usr/bin/node"
# The dynamic loader and every library node needs, at the paths ldd resolves them to.
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
done
cp "$bundle" "$stage/app/vm-main.mjs"
cp -a "$project/node_modules/koffi" "$stage/app/node_modules/koffi"
cp -a "$project/node_modules/@koromix/koffi-linux-x64" "$stage/app/node_modules/@koromix/"
# /dev/console must exist before devtmpfs is mounted, or init starts without stdout.
mknod -m 600 "$stage/dev/console" c 5 1
mknod -m 666 "$stage/dev/null" c 1 3
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
