#!/usr/bin/env bash
# Makes sure Debian's chromium is on PATH (the dashboard's browser tests drive /usr/bin/chromium
# with playwright-core); see ensure-debian-package.sh. ENSURE_CHROMIUM_DRY_RUN=1 prints the
# apt-get commands instead.
set -euo pipefail
ENSURE_DRY_RUN=${ENSURE_CHROMIUM_DRY_RUN:-} exec "$BASH" "${BASH_SOURCE[0]%/*}/ensure-debian-package.sh" \
  chromium chromium \
  '  macOS:          brew install --cask chromium' \
  '  other systems:  a package of Chromium, on PATH as chromium'
