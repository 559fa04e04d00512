#!/usr/bin/env bash
# Installs the system tools `npm run bench` needs, once. Idempotent and quiet
# when everything is present. Packages:
#   wrk  the HTTP load generator behind every throughput figure (Debian package)
set -u
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0

"$(dirname "$0")/../scripts/apt-install.sh" bench/ensure-tools "${need[@]}" || exit 1
command -v wrk >/dev/null 2>&1 || { echo "bench/ensure-tools: wrk still missing" >&2; exit 1; }
