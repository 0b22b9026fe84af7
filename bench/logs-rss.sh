#!/usr/bin/env bash
# Peak RSS of `claude-bottle logs NAME` on a large audit log (a capped set: the current file and
# two rotated ones), this tree against a baseline revision (default: ed57691, before logs
# streamed), side by side in one run. Run: bash bench/logs-rss.sh [MB per file] [baseline rev]
set -eo pipefail
cd "$(dirname "$0")/.."
mb=${1:-30}
rev=${2:-ed57691}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/base" "$work/project" "$work/fake"
git archive "$rev" src package.json | tar -x -C "$work/base"
ln -s "$PWD/node_modules" "$work/base/node_modules"
printf 'name = "bench"\nbackend = "docker"\n' >"$work/project/bottle.toml"
bun=node_modules/.bin/bun
env=(env PATH="$PWD/test/fixtures/bin:/usr/bin:/bin" FAKE_STATE="$work/fake" DOCKER_HOST=tcp://127.0.0.1:1)
plan=$(cd "$work/project" && "${env[@]}" "$OLDPWD/$bun" "$OLDPWD/src/main.ts" --home "$work/home" plan --json)
dir="$work/home/bottles/bench"
mkdir -p "$dir/bundle"
printf '{"version":1,"slug":"bench","backend":"docker","manifestPath":"%s","status":"running","plan":%s,"steps":[],"createdAt":"x","updatedAt":"x"}\n' \
  "$work/project/bottle.toml" "$plan" >"$dir/state.json"
# One realistic audit line, repeated to the size asked for, in each of the three files.
line='{"time":"2026-11-24T10:00:00.000Z","bottle":"bench","kind":"dns","client":"192.168.1.3","method":"DNS","host":"x0123456789.exfil.example.test","port":53,"decision":"deny","rule":"dns-sink","reason":"DNS is sunk: every query is answered REFUSED"}'
for file in audit.jsonl audit.jsonl.1 audit.jsonl.2; do
  { yes "$line" || true; } | head -c $((mb * 1024 * 1024)) | sed '$d' >"$dir/bundle/$file"
done
total=$(du -cm "$dir/bundle" | tail -1 | cut -f1)
echo "| logs of a ${total} MB audit log ($((mb)) MB × 3 files) | peak RSS | wall |"
echo "|---|---:|---:|"
for which in "baseline $rev:$work/base/src/main.ts" "this tree:$PWD/src/main.ts"; do
  name=${which%%:*}; main=${which#*:}
  stats=$("${env[@]}" /usr/bin/time -f '%M %e' "$bun" "$main" --home "$work/home" logs bench 2>&1 >/dev/null | tail -1 || true)
  echo "| $name | $(( ${stats%% *} / 1024 )) MiB | ${stats#* } s |"
done
