#!/usr/bin/env bash
# Makes sure a command from a Debian package is on PATH (ensure-ffmpeg.sh, ensure-chromium.sh).
#   ensure-debian-package.sh COMMAND PACKAGE [LINE...]
#   on PATH already          -> nothing to do
#   root with apt-get        -> apt-get install -y --no-install-recommends PACKAGE
#                               (apt-get update first only when that install fails)
#   otherwise                -> exit 1, saying how to install it (the LINEs: other systems)
# ENSURE_DRY_RUN=1 prints the apt-get commands instead of running them.
set -euo pipefail

command_name=$1
package=$2
shift 2
me="ensure-${command_name}"

if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi

run() {
  if [[ "${ENSURE_DRY_RUN:-}" == 1 ]]; then
    echo "$me: would run: $*"
  else
    "$@"
  fi
}

if [[ "${EUID}" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "$me: $command_name is not on PATH; installing Debian's package $package" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! run apt-get install -y --no-install-recommends "$package"; then
    run apt-get update
    run apt-get install -y --no-install-recommends "$package"
  fi
  # found on PATH, not run: tools disagree on a version flag (`ffmpeg --version` exits 1)
  hash -r
  if [[ "${ENSURE_DRY_RUN:-}" != 1 ]] && ! command -v "$command_name" >/dev/null 2>&1; then
    echo "$me: apt-get finished but $command_name is still not on PATH ($PATH)" >&2
    exit 1
  fi
  exit 0
fi

# Builtins only from here: PATH may be nearly empty.
printf '%s\n' \
  "$me: $command_name is not on PATH, and it cannot be installed from here (needs root and apt-get)." \
  'Install it, then run the command again:' \
  "  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends $package" \
  "$@" >&2
exit 1
