#!/usr/bin/env bash
# Sourced: puts Node.js 22 (the supported LTS; 20 reached end-of-life in April 2026 and AWS SDK
# releases after early January 2027 require 22) first on PATH when the machine's node is older.
# It comes from the npm registry (the `node` package), so no root and no other download is
# needed; it is cached by npx after the first run.
#   source scripts/use-node-lts.sh && npm ci && npm test
if [[ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 22 ]]; then
  node22="$(npx -y -p node@22 node -p 'process.execPath')" || {
    echo "use-node-lts: could not fetch Node.js 22 from the npm registry" >&2
    return 1 2>/dev/null || exit 1
  }
  export PATH="$(dirname "$node22"):$PATH"
fi
echo "use-node-lts: node $(node --version)"
