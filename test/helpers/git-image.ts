/**
 * An agent image with git and no registry: busybox (Debian's busybox-static) plus the host's
 * Debian git, git-remote-http and the shared libraries they load, imported with `docker import`.
 */
import { spawnSync } from "node:child_process";
import { TEST_LABEL, trackImage } from "./docker.ts";

export function gitAgentImage(tag: string): void {
  trackImage(tag);
  const applets = ["sh", "nc", "sleep", "cat", "echo", "printf", "id", "touch", "ls", "mkdir", "true", "env", "grep", "rm"];
  const script = [
    "set -e",
    'root=$(mktemp -d)',
    'mkdir -p "$root/bin" "$root/tmp" "$root/usr/bin" "$root/usr/lib" "$root/usr/share" "$root/etc"',
    'cp /bin/busybox "$root/bin/busybox"',
    ...applets.map((applet) => `ln -s busybox "$root/bin/${applet}"`),
    'cp /usr/bin/git "$root/usr/bin/git"',
    'cp -a /usr/lib/git-core "$root/usr/lib/git-core"',
    'cp -a /usr/share/git-core "$root/usr/share/git-core"',
    'for lib in $(ldd /usr/bin/git /usr/lib/git-core/git-remote-http | awk \'/=>/ {print $3} /ld-linux/ {print $1}\' | sort -u); do',
    '  mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"',
    "done",
    'printf "root:x:0:0::/root:/bin/sh\\nagent:x:1000:1000::/tmp:/bin/sh\\n" > "$root/etc/passwd"',
    `tar -C "$root" -cf - . | docker import --change 'LABEL ${TEST_LABEL}' --change 'ENV PATH=/usr/bin:/bin' - ${tag} >/dev/null`,
    'rm -rf "$root"',
  ].join("\n");
  const made = spawnSync("sh", ["-c", script], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`cannot make the git agent image ${tag}: ${made.stderr}`);
}
