#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, once. Idempotent and quiet
# when everything is present. Packages:
#   libwbxml2-utils  wbxml2xml / xml2wbxml, the reference WBXML codec (activesync tests)
#   chromium         headless browser for the trainer UI tests (driven by playwright-core)
#   fonts-dejavu-core  a font, so screenshots render text
#   python3-msal     MSAL for Python, Microsoft's client library, run against the lab (e2e)
#   python3-adal     ADAL for Python, its predecessor on the v1 endpoints (e2e)
set -u
need=()
command -v wbxml2xml >/dev/null 2>&1 || need+=(libwbxml2-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
/usr/bin/python3 -c 'import msal' >/dev/null 2>&1 || need+=(python3-msal)
/usr/bin/python3 -c 'import adal' >/dev/null 2>&1 || need+=(python3-adal)
[ ${#need[@]} -eq 0 ] && exit 0

"$(dirname "$0")/apt-install.sh" ensure-system-deps "${need[@]}" || exit 1
