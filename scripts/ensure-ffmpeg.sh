#!/usr/bin/env bash
# Makes sure Debian's ffmpeg is on PATH (the thumbnail handler and its tests run it); see
# ensure-debian-package.sh. ENSURE_FFMPEG_DRY_RUN=1 prints the apt-get commands instead.
set -euo pipefail
ENSURE_DRY_RUN=${ENSURE_FFMPEG_DRY_RUN:-} exec "$BASH" "${BASH_SOURCE[0]%/*}/ensure-debian-package.sh" \
  ffmpeg ffmpeg \
  '  macOS:          brew install ffmpeg' \
  '  other systems:  a package of ffmpeg >= 5 with libx264, on PATH'
