/** External plugins: found, checked, and when broken, reported without taking the CLI down. */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../helpers/spawn.ts";

const FIXTURES = join(ROOT, "test/fixtures/plugins");
const EXAMPLE = join(ROOT, "examples/plugins/docker-gvisor.ts");

test("--plugin, CLAUDE_BOTTLE_PLUGINS and the XDG dir all load plugins; backends --json names their source", async () => {
  const viaFlag = JSON.parse((await runCli(["--plugin", EXAMPLE, "backends", "--json"])).stdout);
  expect(viaFlag.find((b: { name: string }) => b.name === "docker-gvisor")).toMatchObject({ status: "ok", source: EXAMPLE, apiVersion: 2, version: "0.2.0", isolation: "container-gvisor", binaries: ["docker", "runsc"] });
  const viaEnv = JSON.parse((await runCli(["backends", "--json"], { env: { CLAUDE_BOTTLE_PLUGINS: join(ROOT, "examples/plugins") } })).stdout);
  expect(viaEnv.map((b: { name: string }) => b.name)).toEqual(["smolmachines", "docker", "docker-gvisor"]);
  const config = tempDir("xdg");
  mkdirSync(join(config, "claude-bottle/plugins"), { recursive: true });
  copyFileSync(EXAMPLE, join(config, "claude-bottle/plugins/gvisor.ts"));
  writeFileSync(join(config, "claude-bottle/plugins/README.md"), "not a module");
  const viaXdg = JSON.parse((await runCli(["backends", "--json"], { env: { XDG_CONFIG_HOME: config } })).stdout);
  expect(viaXdg.find((b: { name: string }) => b.name === "docker-gvisor").source).toBe(join(config, "claude-bottle/plugins/gvisor.ts"));
});

test("broken plugins are listed as broken with the reason, and the rest of the CLI works", async () => {
  const result = await runCli(["backends", "--json"], { env: { CLAUDE_BOTTLE_PLUGINS: FIXTURES } });
  expect(result.code).toBe(0);
  const broken = Object.fromEntries((JSON.parse(result.stdout) as { status: string; source: string; reason: string }[]).filter((b) => b.status === "broken").map((b) => [b.source.split("/").pop(), b.reason]));
  expect(broken["wrong-api.ts"]).toContain("wrong apiVersion: it was written for apiVersion 0; this claude-bottle speaks 2");
  expect(broken["api-v1.ts"]).toStartWith("wrong apiVersion: it was written for apiVersion 1; for 2: set apiVersion: 2; make info.network { description, isolated }");
  expect(broken["missing-phase.ts"]).toContain("preflight: is missing");
  expect(broken["missing-phase.ts"]).toContain("exec: is missing");
  expect(broken["throws-on-import.ts"]).toBe("import failed: cannot find my config");
  expect(broken["clashes.ts"]).toBe('its name "docker" is already taken by a built-in backend');
  const human = await runCli(["backends"], { env: { CLAUDE_BOTTLE_PLUGINS: FIXTURES } });
  expect(human.stdout).toContain("BROKEN         " + join(FIXTURES, "wrong-api.ts"));
  const plan = await runCli(["plan", "--json"], { env: { CLAUDE_BOTTLE_PLUGINS: FIXTURES }, cwd: project('name = "web"') });
  expect(plan.code).toBe(0);
});

function project(manifest: string): string {
  const dir = tempDir("proj");
  writeFileSync(join(dir, "bottle.toml"), manifest);
  return dir;
}

test("a manifest naming a plugin by path uses it; a broken one is a clear error naming the file", async () => {
  const dir = project(`name = "gv"\nbackend = "${EXAMPLE}"\n`);
  const plan = JSON.parse((await runCli(["plan", "--json"], { cwd: dir })).stdout);
  expect(plan).toMatchObject({ backend: "docker-gvisor", isolation: "container-gvisor", slug: "gv" });
  mkdirSync(join(dir, "backends"));
  copyFileSync(join(FIXTURES, "wrong-api.ts"), join(dir, "backends/old.ts"));
  writeFileSync(join(dir, "bottle.toml"), 'name = "gv"\nbackend = "./backends/old.ts"\n');
  const broken = await runCli(["plan"], { cwd: dir });
  expect(broken.code).toBe(78);
  expect(broken.stderr).toContain(`error: Cannot use backend plugin ${join(dir, "backends/old.ts")}`);
  expect(broken.stderr).toContain("backend: wrong apiVersion");
});

test.each([
  ["bad-plan.ts", "plan returned callback: Invalid type: Expected (string | number | boolean | null | Array | Object) but received Function"],
  ["plan-throws.ts", "plan threw: undefined is not a function"],
])("a plugin whose %s misbehaves fails with its file named", async (file, message) => {
  const result = await runCli(["plan"], { cwd: project(`name = "x"\nbackend = "${join(FIXTURES, file)}"\n`) });
  expect(result.code).toBe(70);
  expect(result.stderr).toContain(`error: Plugin ${join(FIXTURES, file)}: ${message}`);
});
