#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, so nothing in it is skipped. Each concern lists its
# packages in scripts/deps/<concern>.list (one package per line, # comments), with the reason beside it.
# Needs root (as on a fresh Debian 12 machine or in CI). Packages already present are left alone.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mapfile -t packages < <(cat "$here"/deps/*.list | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all ${#packages[@]} Debian packages present"
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
