#!/usr/bin/env bash
# Installs the system tools `npm run bench` needs, once. Idempotent and quiet
# when everything is present. Packages:
#   wrk  the HTTP load generator behind every throughput figure (Debian package)
set -u
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "bench/ensure-tools: need root to install: ${need[*]}" >&2; exit 1
  fi
else SUDO=; fi

echo "bench/ensure-tools: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
    echo "bench/ensure-tools: apt-get install ${need[*]} failed" >&2; exit 1; }
fi
command -v wrk >/dev/null 2>&1 || { echo "bench/ensure-tools: wrk still missing" >&2; exit 1; }
