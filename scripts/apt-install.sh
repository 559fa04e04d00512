#!/usr/bin/env bash
# Installs Debian packages (sudo when not root), updating the package lists only
# when a first attempt fails. Used by ensure-system-deps.sh and bench/ensure-tools.sh.
# Usage: apt-install.sh <label for messages> <package>...
set -u
label=$1; shift
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "$label: need root to install: $*" >&2; exit 1
  fi
else SUDO=; fi

echo "$label: installing $*" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
    echo "$label: apt-get install $* failed" >&2; exit 1; }
fi
