#!/usr/bin/env bash
# The whole test suite from a fresh clone: Debian packages, npm packages, type check, every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
npm ci --no-audit --no-fund
npm test
