#!/usr/bin/env bash
# Installs infra/'s own dependencies (AWS CDK) with `npm ci`, unless infra/node_modules was
# installed from exactly the current infra/package-lock.json: `npm ci` leaves a copy of the
# lock as a stamp, and the stamp goes away with node_modules whenever `npm ci` runs again.
set -euo pipefail
cd "$(dirname "$0")/../infra"
stamp=node_modules/.installed-package-lock.json
if [[ -f "$stamp" ]] && cmp -s package-lock.json "$stamp"; then
  exit 0
fi
npm ci --no-audit --no-fund
cp package-lock.json "$stamp"
