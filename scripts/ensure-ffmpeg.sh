#!/usr/bin/env bash
# Makes sure Debian's ffmpeg is on PATH (the thumbnail handler and its tests run it).
#   on PATH already          -> nothing to do
#   root with apt-get        -> apt-get install -y --no-install-recommends ffmpeg
#                               (apt-get update first only when that install fails)
#   otherwise                -> exit 1, saying how to install it
# ENSURE_FFMPEG_DRY_RUN=1 prints the apt-get commands instead of running them.
set -euo pipefail

if command -v ffmpeg >/dev/null 2>&1; then
  exit 0
fi

run() {
  if [[ "${ENSURE_FFMPEG_DRY_RUN:-}" == 1 ]]; then
    echo "ensure-ffmpeg: would run: $*"
  else
    "$@"
  fi
}

if [[ "${EUID}" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-ffmpeg: ffmpeg is not on PATH; installing Debian's package" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! run apt-get install -y --no-install-recommends ffmpeg; then
    run apt-get update
    run apt-get install -y --no-install-recommends ffmpeg
  fi
  if [[ "${ENSURE_FFMPEG_DRY_RUN:-}" != 1 ]] && ! ffmpeg -version >/dev/null 2>&1; then
    echo "ensure-ffmpeg: apt-get finished but ffmpeg is still not on PATH ($PATH)" >&2
    exit 1
  fi
  exit 0
fi

# Builtins only from here: PATH may be nearly empty.
printf '%s\n' \
  'ensure-ffmpeg: ffmpeg is not on PATH, and it cannot be installed from here (needs root and apt-get).' \
  'Install it, then run the command again:' \
  '  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends ffmpeg' \
  '  macOS:          brew install ffmpeg' \
  '  other systems:  a package of ffmpeg >= 5 with libx264, on PATH' >&2
exit 1
