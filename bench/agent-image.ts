/**
 * `claude-bottle image agent` build time, cold (a base docker has no layer cache for) and warm
 * (the same base again), side by side with a bare `docker build` of the same context: what the
 * tool adds on top of docker (package verification, writing the context). Also the image size.
 * Run: bun bench/agent-image.ts   (needs dockerd; makes the Debian base with debootstrap if absent)
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentDockerfile, CLAUDE_CODE_VERSION, claudeCodeTarballName, claudeWrapper, trustScript } from "../src/agent-image/recipe.ts";
import { cachedClaudeCodeTarball, debianBaseImage } from "../test/helpers/agent-images.ts";
import { cleanupDocker, trackImage } from "../test/helpers/docker.ts";

const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "bench-agent-image-"));
const sh = (cmd: string) => execFileSync("sh", ["-c", cmd], { encoding: "utf8", cwd: root, maxBuffer: 64 << 20 });
const tarball = cachedClaudeCodeTarball();
let bases = 0;

function freshBase(): string {
  return debianBaseImage(`claude-bottle-bench-base:${process.pid}-${bases++}`); // a new image ID: no layer cache
}

function timed(action: () => void): number {
  const started = performance.now();
  action();
  return (performance.now() - started) / 1000;
}

function ours(base: string, tag: string, home: string): number {
  trackImage(tag);
  return timed(() => sh(`node_modules/.bin/bun src/main.ts --home ${home} image agent --base ${base} --tag ${tag} 2>/dev/null`));
}

function bare(base: string, tag: string): number {
  trackImage(tag);
  const context = mkdtempSync(join(work, "ctx-"));
  writeFileSync(join(context, "Dockerfile"), agentDockerfile({ base, platform: "linux-x64", version: CLAUDE_CODE_VERSION }));
  writeFileSync(join(context, "claude-bottle-trust"), trustScript(), { mode: 0o755 });
  writeFileSync(join(context, "claude"), claudeWrapper(), { mode: 0o755 });
  copyFileSync(tarball, join(context, claudeCodeTarballName("linux-x64")));
  const seconds = timed(() => sh(`docker build --force-rm --tag ${tag} ${context} >/dev/null`));
  rmSync(context, { recursive: true, force: true });
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, xs: number[]) => `| ${label} | ${median(xs).toFixed(1)} s | ${xs.map((x) => x.toFixed(1)).join(", ")} |`;

try {
  const home = join(work, "home");
  const download = ours(freshBase(), `claude-bottle-bench:${process.pid}-dl`, join(work, "empty-home"));
  const cold: number[] = [];
  const bareCold: number[] = [];
  for (let i = 0; i < 2; i++) {
    cold.push(ours(freshBase(), `claude-bottle-bench:${process.pid}-cold${i}`, home));
    bareCold.push(bare(freshBase(), `claude-bottle-bench:${process.pid}-barecold${i}`));
  }
  const base = freshBase();
  ours(base, `claude-bottle-bench:${process.pid}-prime`, home);
  const warm: number[] = [];
  const bareWarm: number[] = [];
  for (let i = 0; i < 3; i++) {
    warm.push(ours(base, `claude-bottle-bench:${process.pid}-warm${i}`, home));
    bareWarm.push(bare(base, `claude-bottle-bench:${process.pid}-barewarm${i}`));
  }
  const size = Number(sh(`docker image inspect --format '{{.Size}}' claude-bottle-bench:${process.pid}-warm0`).trim());
  const baseSize = Number(sh(`docker image inspect --format '{{.Size}}' ${base}`).trim());
  console.log("| case | median | runs |\n|---|---:|---|");
  console.log(row("`image agent`, cold, package downloaded from the npm registry", [download]));
  console.log(row("`image agent`, cold (new base, package cached)", cold));
  console.log(row("bare `docker build` of the same context, cold", bareCold));
  console.log(row("`image agent`, warm (same base, layers cached)", warm));
  console.log(row("bare `docker build` of the same context, warm", bareWarm));
  console.log(`\nimage ${(size / 1e6).toFixed(0)} MB (base ${(baseSize / 1e6).toFixed(0)} MB, Claude Code executable 398.6 MB)`);
} finally {
  cleanupDocker();
  rmSync(work, { recursive: true, force: true });
}
