/**
 * Agent images for tests, made on this machine with no image registry: a Debian base from
 * `debootstrap` (Debian mirror) + `docker import`, the Claude Code tarball from the npm registry,
 * both cached outside the repository and fetched when absent, and a busybox + git stand-in.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLAUDE_CODE_INTEGRITY, CLAUDE_CODE_VERSION, claudeCodeTarballName } from "../../src/agent-image/recipe.ts";
import { TEST_LABEL, trackImage } from "./docker.ts";
import { atRunEnd } from "./run-end.ts";
import { buildStandInAgent } from "../../scripts/demo-world.ts";

/** Big downloads live here between runs (override with CLAUDE_BOTTLE_TEST_CACHE). */
export const TEST_CACHE = process.env["CLAUDE_BOTTLE_TEST_CACHE"] ?? "/var/cache/claude-bottle-test";
const MIRROR = "http://deb.debian.org/debian";

function sh(script: string): string {
  const result = spawnSync("sh", ["-ec", script], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${script.split("\n")[0]} failed: ${result.stderr}`);
  return result.stdout;
}

/** The pinned linux-x64 tarball, downloaded from the npm registry on first use and verified. */
export function cachedClaudeCodeTarball(): string {
  const file = join(TEST_CACHE, claudeCodeTarballName("linux-x64"));
  const integrity = (path: string) => `sha512-${createHash("sha512").update(readFileSync(path)).digest("base64")}`;
  if (existsSync(file) && integrity(file) === CLAUDE_CODE_INTEGRITY["linux-x64"]) return file;
  mkdirSync(TEST_CACHE, { recursive: true });
  const url = `https://registry.npmjs.org/@anthropic-ai/claude-code-linux-x64/-/${claudeCodeTarballName("linux-x64", CLAUDE_CODE_VERSION)}`;
  sh(`curl -fsS -o '${file}.partial' '${url}'`);
  if (integrity(`${file}.partial`) !== CLAUDE_CODE_INTEGRITY["linux-x64"]) throw new Error(`${url} does not match the pinned integrity`);
  renameSync(`${file}.partial`, file);
  return file;
}

/**
 * A Debian bookworm minbase imported as `tag` (tracked for removal); the root file system tar
 * is cached, made with debootstrap from the Debian mirror when absent (installed if needed).
 */
export function debianBaseImage(tag: string): string {
  trackImage(tag);
  return importDebianBase(tag);
}

function importDebianBase(tag: string): string {
  const tar = join(TEST_CACHE, "debian-bookworm-minbase.tar");
  if (!existsSync(tar)) {
    mkdirSync(TEST_CACHE, { recursive: true });
    sh([
      "command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }",
      `root=$(mktemp -d '${TEST_CACHE}/rootfs.XXXXXX')`,
      `debootstrap --variant=minbase bookworm "$root" ${MIRROR} >/dev/null`,
      'rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb',
      `tar -C "$root" --numeric-owner -cf '${tar}.partial' .`,
      `mv '${tar}.partial' '${tar}'`,
      'rm -rf "$root"',
    ].join("\n"));
  }
  sh(`docker import --change 'LABEL ${TEST_LABEL}' '${tar}' '${tag}' >/dev/null`);
  return tag;
}

export interface SharedAgentImage {
  /** The Debian base it was built on (further builds on it hit docker's layer cache). */
  readonly base: string;
  readonly image: string;
  /** The state home of the build: its cache holds the downloaded package. */
  readonly home: string;
  readonly build: { readonly code: number; readonly stdout: string; readonly stderr: string };
}

let shared: SharedAgentImage | undefined;

/**
 * The image `claude-bottle image agent` builds, once per test process: on a Debian base imported
 * once, from an empty home (Claude Code downloaded from the npm registry and verified). Both stay
 * until the end of the run (atRunEnd), not only until a file's afterAll, so every file that needs the real
 * agent image shares the one cold build (CI pays it once).
 */
export function sharedClaudeAgentImage(binary: string): SharedAgentImage {
  if (shared && spawnSync("docker", ["image", "inspect", shared.image]).status === 0) return shared;
  const base = importDebianBase(`claude-bottle-test-debian:shared-${process.pid}`);
  const image = `claude-bottle-agent:shared-${process.pid}`;
  const home = mkdtempSync(join(tmpdir(), "cb-agent-image-home-"));
  atRunEnd(() => {
    spawnSync("docker", ["image", "rm", "-f", image, base]);
    rmSync(home, { recursive: true, force: true });
  });
  const env = { PATH: process.env["PATH"] ?? "", HOME: "/nonexistent" };
  const result = spawnSync(binary, ["--home", home, "image", "agent", "--base", base, "--tag", image], { encoding: "utf8", env });
  shared = { base, image, home, build: { code: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" } };
  return shared;
}

/**
 * busybox-static alone (no git, no agent): what preflight must turn away. Runs as root, with
 * no home but /.
 */
export function bareBusyboxImage(tag: string): string {
  trackImage(tag);
  sh([
    "root=$(mktemp -d)",
    'mkdir -p "$root/bin" "$root/tmp"',
    'cp /bin/busybox "$root/bin/busybox"',
    'for applet in sh sleep cat echo id ls; do ln -s busybox "$root/bin/$applet"; done',
    `tar -C "$root" -cf - . | docker import --change 'LABEL ${TEST_LABEL}' --change 'ENV PATH=/bin' - '${tag}' >/dev/null`,
    'rm -rf "$root"',
  ].join("\n"));
  return tag;
}

/**
 * A small agent image from host files: busybox-static, the host's git (with git-core and every
 * library ldd names), root certificates, an `agent` user (uid 1000) with a home, and `claude`
 * as a stand-in script that prints its arguments. Passes preflight's image checks. `binaries`:
 * more host executables to copy in, with their libraries (e.g. /usr/bin/curl).
 */
export function standInAgentImage(tag: string, options: { binaries?: readonly string[] } = {}): string {
  trackImage(tag);
  buildStandInAgent(tag, { label: TEST_LABEL, binaries: options.binaries ?? [] });
  return tag;
}
