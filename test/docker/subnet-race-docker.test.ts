/**
 * Two homes on one real engine, the same bottle name: the subnet lock is per home, so both may
 * plan the same /24. The engine refuses the second `docker network create` ("Pool overlaps");
 * that `up` plans again around the network it now sees, and both bottles come up.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { cleanHome, cleanupDocker, docker, requireDocker, sharedBundleImage, trackNetwork, TEST_LABEL } from "../helpers/docker.ts";
import { compileLinuxBinary } from "../helpers/spawn.ts";
import { standInAgentImage } from "../helpers/agent-images.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";
import { httpProbe } from "../../src/runtime/http-probe.ts";

const run = `${process.pid}-${Date.now().toString(36)}`;
const AGENT = `claude-bottle-busybox:race-${run}`;
// One name for both homes (the race is about the same name); unique per run so concurrent
// runs of this file do not race each other as well.
const NAME = `race${process.pid % 100_000}`;
let bundleImage = "";
const homes: string[] = [];

beforeAll(() => {
  requireDocker();
  bundleImage = sharedBundleImage(compileLinuxBinary);
  standInAgentImage(AGENT);
}, 240_000);

afterEach(() => {
  for (const home of homes.splice(0)) cleanHome(home);
});

afterAll(() => cleanupDocker());

function home(label: string, extraPath = "") {
  const dir = tempDir(`race-${label}`);
  const homeDir = join(dir, "home");
  homes.push(homeDir);
  mkdirSync(join(dir, "p"));
  writeFileSync(join(dir, "p/bottle.toml"), `name = "${NAME}"\nbackend = "docker"\n[agent]\nimage = "${AGENT}"\n[bundle]\nimage = "${bundleImage}"\n`);
  const env = { PATH: `${extraPath}${process.env["PATH"] ?? ""}` };
  const user = { uid: process.getuid!(), gid: process.getgid!() };
  const cli = (args: string[]) => runCli(["--home", homeDir, ...args], { cwd: join(dir, "p"), env, runner: nodeRunner(env), fs: nodeFs, http: httpProbe, user });
  const subnet = () => JSON.parse(readFileSync(join(homeDir, "bottles", NAME, "state.json"), "utf8")).plan.bundleSubnet as string;
  return { dir, cli, subnet };
}

const ok = (result: { code: number; stderr: string }) => ({ code: result.code, stderr: result.code === 0 ? "" : result.stderr });

test("two homes racing for the same name and /24 on one engine both come up, on different subnets", async () => {
  const [a, b] = [home("a"), home("b")];
  const [upA, upB] = await Promise.all([a.cli(["up", "--detach"]), b.cli(["up", "--detach"])]);
  expect([ok(upA), ok(upB)]).toEqual([{ code: 0, stderr: "" }, { code: 0, stderr: "" }]);
  expect(a.subnet()).not.toBe(b.subnet());
  for (const side of [a, b]) expect((await side.cli(["down", NAME])).code).toBe(0);
});

test("the engine's pool-overlap answer, forced: another home's network appears on the planned /24 just before create", async () => {
  // This `docker` makes the other home's network on the subnet asked for, once, then runs the
  // real docker, so the real engine gives its real answer to the second create.
  const competitor = `cb-test-race-${run}`;
  trackNetwork(competitor);
  const bin = tempDir("race-bin");
  writeFileSync(join(bin, "docker"), `#!/bin/sh
if [ "$1 $2" = "network create" ] && mkdir "${bin}/raced" 2>/dev/null; then
  subnet=$(printf '%s\\n' "$@" | sed -n '/^--subnet$/{n;p;}')
  PATH="${process.env["PATH"] ?? ""}" docker network create --label ${TEST_LABEL} --subnet "$subnet" ${competitor} >/dev/null
fi
PATH="${process.env["PATH"] ?? ""}" exec docker "$@"
`);
  chmodSync(join(bin, "docker"), 0o755);
  const forced = home("forced-up", `${bin}:`);
  const up = await forced.cli(["up", "--detach"]);
  expect(ok(up)).toEqual({ code: 0, stderr: "" });
  expect(up.stderr).toMatch(/is taken on this docker engine; planning again \(2 of 3\)/);
  const taken = docker(["network", "inspect", "--format", "{{(index .IPAM.Config 0).Subnet}}", competitor]).stdout.trim();
  expect(taken).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
  expect(forced.subnet()).not.toBe(taken);
  expect((await forced.cli(["down", NAME])).code).toBe(0);
});
