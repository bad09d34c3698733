#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, so nothing in it is skipped:
#   gcc, linux-libc-dev, libdrm-dev — the ABI test compiles a C program against the kernel's own headers.
# Needs root (as on a fresh Debian 12 machine or in CI). Packages already present are left alone.
set -euo pipefail

packages=(gcc libc6-dev linux-libc-dev libdrm-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all Debian packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "test dependencies: missing ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 2
fi
echo "test dependencies: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
