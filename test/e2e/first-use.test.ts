/**
 * First use of the released binary, with nothing injected: the real compiled linux-x64 binary,
 * the real Docker engine, no bundle image built beforehand. `bundle image` with no `--binary`
 * builds from the binary itself, preflight says the image is buildable, and `up` builds it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanHome, cleanupDocker, docker, requireDocker, trackImage } from "../helpers/docker.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { compileLinuxBinary, spawn } from "../helpers/spawn.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-busybox:first-use-${run}`;
// A name per run: the subnet follows the name's hash; concurrent runs on one engine would race for it.
const NAME = `firstuse${process.pid % 100_000}`;
let dir = "";
let binary = "";

beforeAll(() => {
  requireDocker();
  standInAgentImage(AGENT); // passes preflight's agent image checks
  dir = mkdtempSync(join(tmpdir(), "cb-first-use-"));
  binary = compileLinuxBinary();
}, 240_000);

afterAll(() => {
  cleanupDocker();
  rmSync(dir, { recursive: true, force: true });
});

/** The binary with the system's tools only (docker, ldd, tar): no bun, node_modules or sources. */
function cb(args: string[], cwd: string) {
  return spawn([binary, ...args], { cwd, env: { PATH: "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: cwd } });
}

function project(name: string, bundleImage: string): string {
  const cwd = join(dir, name);
  mkdirSync(cwd);
  writeFileSync(join(cwd, "bottle.toml"), `name = "${name}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\n[bundle]\nimage = "${bundleImage}"\n`);
  return cwd;
}

test("bundle image with no --binary builds the image from the running binary", () => {
  const tag = `claude-bottle-bundle:first-use-a-${run}`;
  trackImage(tag);
  const built = cb(["bundle", "image", "--tag", tag], dir);
  expect(built.stderr).toBe("");
  expect(built.code).toBe(0);
  expect(built.stdout).toStartWith(`built ${tag} (sha256:`);
  const inspect = JSON.parse(docker(["image", "inspect", tag]).stdout)[0];
  expect(inspect.Config.Entrypoint).toEqual(["/claude-bottle"]);
  const version = docker(["run", "--rm", tag, "--version"]);
  expect(version.stdout).toBe("claude-bottle 0.1.0\n");
}, 180_000);

test("preflight says the bundle image is buildable here, and up builds it on first use", () => {
  const tag = `claude-bottle-bundle:first-use-b-${run}`;
  trackImage(tag);
  const cwd = project(NAME, tag);
  const home = join(cwd, "home");
  cleanHome(home);
  expect(docker(["image", "inspect", tag]).code).not.toBe(0);
  const preflight = cb(["--home", home, "preflight"], cwd);
  expect(preflight.stdout).toContain(`bundle image ${tag} is not built yet; up builds it from ${binary} [BUNDLE_IMAGE_BUILDABLE]`);
  expect(preflight.code).toBe(0);

  const up = cb(["--home", home, "up", "--detach"], cwd);
  expect(up.stderr).toContain(`• build bundle image ${tag} from ${binary} (first use)`);
  expect(up.stderr).toContain(`bottle "${NAME}" is up`);
  expect(up.code).toBe(0);
  const plan = JSON.parse(readFileSync(join(home, "bottles", NAME, "state.json"), "utf8")).plan;
  expect(docker(["inspect", "--format", "{{.State.Running}} {{.Config.Image}}", plan.bundle.containerName]).stdout).toBe(`true ${tag}\n`);
  expect(cb(["--home", home, "preflight"], cwd).stdout).toContain(`bundle image ${tag} is present [BUNDLE_IMAGE_OK]`);
  expect(cb(["--home", home, "down", NAME], cwd).code).toBe(0);
  expect(docker(["ps", "-aq", "--filter", `label=dev.claude-bottle.home=${home}`]).stdout).toBe("");
}, 240_000);

test("an image this binary cannot build fails preflight with the fix", () => {
  const cwd = project("foreign", `example.test/someone/bundle:${run}`);
  const preflight = cb(["--home", join(cwd, "home"), "preflight"], cwd);
  expect(preflight.stdout).toContain("this claude-bottle cannot build it [BUNDLE_IMAGE_MISSING]");
  expect(preflight.stdout).toContain("fix: build or load example.test/someone/bundle");
  expect(preflight.code).toBe(69);
}, 60_000);
