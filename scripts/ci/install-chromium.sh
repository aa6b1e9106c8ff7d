#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests of apps/web, only when it is absent (idempotent).
# The tests drive the binary (/usr/lib/chromium/chromium) with playwright-core; nothing is downloaded by npm.
set -euo pipefail
if [ -x /usr/lib/chromium/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium: chromium is missing and this is not root; install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "install-chromium: $(/usr/lib/chromium/chromium --version)"
