#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (needs root and apt-get).
set -euo pipefail
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing at ${CHROMIUM_PATH:-/usr/bin/chromium}: install Debian's chromium package (apt-get install -y chromium), or set CHROMIUM_PATH" >&2
  exit 1
fi
echo "installing chromium (Debian package) for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
