#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, once. Idempotent and quiet
# when everything is present. Packages:
#   libwbxml2-utils  wbxml2xml / xml2wbxml, the reference WBXML codec (activesync tests)
#   chromium         headless browser for the trainer UI tests (driven by playwright-core)
#   fonts-dejavu-core  a font, so screenshots render text
set -u
need=()
command -v wbxml2xml >/dev/null 2>&1 || need+=(libwbxml2-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "ensure-system-deps: need root to install: ${need[*]}" >&2; exit 1
  fi
else SUDO=; fi

echo "ensure-system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 || {
    echo "ensure-system-deps: apt-get install ${need[*]} failed" >&2; exit 1; }
fi
