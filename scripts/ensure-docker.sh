#!/usr/bin/env bash
# Makes sure a Docker engine answers, starting dockerd when we are root and it is installed
# but not running. The real-docker tests need it; they never skip.
set -euo pipefail
if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "error: no Docker engine: dockerd is not installed" >&2
  echo "hint: install Debian's docker.io (apt-get install docker.io), or run .ci/run as root" >&2
  exit 69
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: the Docker engine is not running and only root can start it here" >&2
  echo "hint: start dockerd (sudo systemctl start docker)" >&2
  exit 69
fi
log="${TMPDIR:-/tmp}/claude-bottle-dockerd.log"
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "error: dockerd did not come up in 30 s; its log is $log" >&2
tail -n 20 "$log" >&2
exit 69
