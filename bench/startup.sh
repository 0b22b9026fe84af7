#!/usr/bin/env bash
# Cold start of the compiled binary (--version, plan) against a bare bun-compiled hello-world
# built the same way, side by side in one hyperfine run. Run: bash bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 69; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
node_modules/.bin/bun scripts/compile.ts --target linux-x64 --out "$work" >/dev/null
echo 'console.log("hello");' > "$work/hello.ts"
node_modules/.bin/bun build --compile --minify --bytecode --target=bun-linux-x64 --outfile "$work/hello" "$work/hello.ts" >/dev/null
cb="$work/claude-bottle-linux-x64"
hyperfine -N --warmup 5 --runs 50 \
  -n hello-world "$work/hello" \
  -n "claude-bottle --version" "$cb --version" \
  -n "claude-bottle plan" "$cb --home $work/home plan examples/bottle.toml" \
  --export-markdown "$work/startup.md" >/dev/null
cat "$work/startup.md"
