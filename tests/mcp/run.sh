#!/usr/bin/env bash
# run.sh - run a node test of `lockfs mcp` (tests/mcp/*.mjs) with the MCP
# TypeScript SDK pinned by package-lock.json, installed on first use with
# `npm ci` into tests/mcp/node_modules.  node and npm are required: a
# missing one is a failure, never a skip (scripts/test installs them).
set -euo pipefail

: "${LOCKFS:?set LOCKFS to the lockfs binary}"
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm; do
	command -v "$tool" >/dev/null ||
		{ echo "FAIL: $tool is not installed (apt-get install nodejs npm)" >&2; exit 1; }
done
if [ ! -f "$here/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
		{ echo "FAIL: npm ci in $here" >&2; exit 1; }
fi
export LOCKFS
exec node "$here/$1"
