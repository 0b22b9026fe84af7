/**
 * `claude-bottle image agent` on the real engine, run as the compiled binary: from a Debian base
 * made here with debootstrap (no image registry) and Claude Code from the npm registry, the image
 * passes preflight's image checks and runs the pinned Claude Code hardened as a bottle runs it;
 * a busybox-only image fails the checks with the right findings; bad input builds nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { cleanupDocker, docker, requireDocker, trackImage } from "../helpers/docker.ts";
import { bareBusyboxImage, cachedClaudeCodeTarball, sharedClaudeAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { CLAUDE_CODE_VERSION } from "../../src/agent-image/recipe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
let BASE = "";
let AGENT = "";
const BARE = `claude-bottle-bare:test-${run}`;
let binary = "";
let home = "";
let built = { code: 1, stdout: "", stderr: "" };
let buildHome = "";

function cb(args: string[], cwd: string, env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(binary, ["--home", home, ...args], { cwd, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", HOME: "/nonexistent", ...env } });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

function project(image: string, backend: string): string {
  const dir = tempDir("agentimg");
  writeFileSync(join(dir, "bottle.toml"), `name = "img"\nbackend = "${backend}"\n[agent]\nimage = "${image}"\n`);
  return dir;
}

function imageFindings(dir: string): Record<string, string> {
  const report = JSON.parse(cb(["preflight", "--json"], dir).stdout) as { findings: { code: string; level: string }[] };
  return Object.fromEntries(report.findings.filter((f) => f.code.startsWith("AGENT_")).map((f) => [f.code, f.level]));
}

beforeAll(() => {
  requireDocker();
  binary = compileLinuxBinary();
  home = join(tempDir("agentimg-home"), "home");
  bareBusyboxImage(BARE);
  // The one build of the run (the journey test uses the same image): from an empty home.
  const shared = sharedClaudeAgentImage(binary);
  ({ base: BASE, image: AGENT, build: built, home: buildHome } = shared);
}, 900_000);

afterAll(() => cleanupDocker(), 120_000);

test("image agent builds from the Debian base with Claude Code from the npm registry, verified and cached", () => {
  expect(built.stderr).toContain(`@anthropic-ai/claude-code-linux-x64@${CLAUDE_CODE_VERSION}`);
  expect(built.stderr).toContain("downloading https://registry.npmjs.org/");
  expect(built.code).toBe(0);
  expect(built.stdout).toMatch(new RegExp(`^built ${AGENT} \\(sha256:[0-9a-f]{64}\\)\\n$`));
  expect(readdirSync(join(buildHome, "cache/claude-code"))).toEqual([`claude-code-linux-x64-${CLAUDE_CODE_VERSION}.tgz`]);
  const config = JSON.parse(docker(["image", "inspect", AGENT]).stdout)[0].Config;
  expect(config.User).toBe("agent");
  expect(config.Env).toEqual(expect.arrayContaining(["DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1"]));
  expect(config.Labels["dev.claude-bottle.claude-code"]).toBe(CLAUDE_CODE_VERSION);
});

test("the image passes preflight's image checks for both backends", () => {
  expect(imageFindings(project(AGENT, "docker"))).toEqual({ AGENT_IMAGE_OK: "ok", AGENT_IMAGE_READY: "ok" });
  expect(imageFindings(project(AGENT, "smolmachines"))).toEqual({ AGENT_IMAGE_OK: "ok", AGENT_IMAGE_READY: "ok" });
});

test("a busybox-only image fails them: no claude, no git, and root where the backend sets no user", () => {
  expect(imageFindings(project(BARE, "docker"))).toEqual({ AGENT_IMAGE_OK: "ok", AGENT_COMMAND_MISSING: "fail", AGENT_IMAGE_NO_GIT: "fail" });
  expect(imageFindings(project(BARE, "smolmachines"))).toEqual({ AGENT_IMAGE_OK: "ok", AGENT_COMMAND_MISSING: "fail", AGENT_IMAGE_NO_GIT: "fail", AGENT_USER_ROOT: "fail" });
  const human = cb(["preflight"], project(BARE, "docker"));
  expect(human.code).toBe(69);
  expect(human.stdout).toContain("build it with `claude-bottle image agent`, or add git to your image");
});

test("Claude Code and git run hardened as the docker backend runs them; the bottle CA is trusted", () => {
  const ca = join(tempDir("agentimg-ca"), "ca.crt");
  const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${ca}.key`, "-out", ca, "-subj", "/CN=bottle-test-ca", "-days", "1"]);
  expect(made.status).toBe(0);
  const hardened = ["run", "--rm", "--pull", "never", "--network", "none", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--tmpfs", "/tmp", "--user", "1000:1000"];
  const mount = ["--mount", `type=bind,source=${ca},target=/etc/claude-bottle/bundle-ca.crt,readonly`];
  const ours = "/etc/claude-bottle/bundle-ca.crt";
  const script = `claude --version && git --version && rg --version >/dev/null && grep -c "BEGIN CERTIFICATE" "$GIT_SSL_CAINFO"
    [ "$SSL_CERT_FILE" = "$GIT_SSL_CAINFO" ] && tail -n "$(wc -l < ${ours})" "$SSL_CERT_FILE" | cmp -s - ${ours} && echo trusted`;
  const inside = docker([...hardened, ...mount, AGENT, "sh", "-c", script]);
  expect(inside.stderr).toBe("");
  expect(inside.stdout).toMatch(new RegExp(`^${CLAUDE_CODE_VERSION.replace(/\./g, "\\.")} \\(Claude Code\\)\\ngit version [\\d.]+\\n\\d+\\ntrusted\\n$`));
  // As root with a writable root (a microVM), the CA goes into the OS store itself.
  const root = docker(["run", "--rm", "--pull", "never", "--network", "none", "--user", "0", ...mount, AGENT, "sh", "-c", "echo \"[$SSL_CERT_FILE]\"; ls /etc/ssl/certs | grep -c claude-bottle"]);
  expect(root.stdout).toBe("[]\n1\n");
});

test("a missing base is a clear error and nothing is pulled or built", () => {
  const missing = `claude-bottle-test-debian:absent-${run}`;
  const result = cb(["image", "agent", "--base", missing, "--tag", `${AGENT}-never`], tempDir("agentimg-cwd"));
  expect(result.code).toBe(69);
  expect(result.stderr).toContain(`Cannot build the agent image: the base image "${missing}" is not on this host (claude-bottle never pulls it for you)`);
  expect(result.stderr).toContain(`hint: docker pull ${missing}`);
  expect(docker(["image", "inspect", missing]).code).not.toBe(0);
  expect(docker(["image", "inspect", `${AGENT}-never`]).code).not.toBe(0);
});

test("air-gapped: --claude-code-tarball is verified before use, and --save writes a loadable archive", () => {
  const dir = tempDir("agentimg-gap");
  const forged = join(dir, "forged.tgz");
  writeFileSync(forged, "not the package");
  const offline = { npm_config_registry: "http://127.0.0.1:9/" }; // nothing listens: any registry use fails
  const refused = cb(["image", "agent", "--base", BASE, "--tag", `${AGENT}-forged`, "--claude-code-tarball", forged], dir, offline);
  expect(refused.code).toBe(69);
  expect(refused.stderr).toContain("its sha512 does not match @anthropic-ai/claude-code-linux-x64@");
  expect(docker(["image", "inspect", `${AGENT}-forged`]).code).not.toBe(0);

  const tag = `${AGENT}-gap`;
  trackImage(tag);
  mkdirSync(join(dir, "out"));
  const saved = cb(["image", "agent", "--base", BASE, "--tag", tag, "--claude-code-tarball", cachedClaudeCodeTarball(), "--save", "out/agent.tar"], dir, offline);
  expect(saved.stderr).not.toContain("downloading");
  expect(saved.code).toBe(0);
  expect(readdirSync(join(dir, "out"))).toEqual(["agent.tar"]);
  const listing = spawnSync("tar", ["-xOf", join(dir, "out/agent.tar"), "manifest.json"], { encoding: "utf8" });
  expect(JSON.parse(listing.stdout)[0].RepoTags).toEqual([tag]);
  expect(existsSync(join(dir, "out/agent.tar.partial"))).toBe(false);
}, 600_000);
