#!/usr/bin/env bash
# Provisions the toolchain (scripts/provision.sh), then runs a command from node_modules/.bin with it.
# `npm start` and `npm test` go through here so that both work on a fresh clone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/provision.sh"
cd "$WINDSOCK_ROOT"
bin="$1"; shift
exec "node_modules/.bin/$bin" "$@"
