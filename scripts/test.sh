#!/usr/bin/env bash
# The one test command (README and CI): type-check, then every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
node_modules/.bin/tsc --noEmit -p .
exec node_modules/.bin/bun test "$@"
