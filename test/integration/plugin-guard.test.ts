/**
 * The contract check covers what the core reads from a plugin: findings, files (and the names
 * the core owns), and a plugin's own ConfigError is reported as the manifest's problem.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../helpers/spawn.ts";

const API = join(ROOT, "src/plugin-api.ts");

/** A project whose backend is a plugin with these members (over a minimal valid one). */
function project(members: string): string {
  const dir = tempDir("guard");
  writeFileSync(join(dir, "guarded.ts"), `import type { PluginApi } from "${API}";
export default (api: PluginApi) => ({
  name: "guarded", apiVersion: api.API_VERSION, version: "1",
  info: { description: "", isolation: "x", binaries: [], network: { description: "", isolated: true },
    features: { interactiveAttach: false, hostKernelShared: false, dnsSink: false } },
  plan: () => ({}), preflight: async () => [], launch: () => [], exec: async () => 0,
  ${members}
});
`);
  writeFileSync(join(dir, "bottle.toml"), 'name = "g"\nbackend = "./guarded.ts"\n');
  return dir;
}

test("malformed findings are the plugin's error, naming its file", async () => {
  const cwd = project('preflight: async () => [{ code: "lower case", level: "meh", message: "x" }],');
  const result = await runCli(["preflight"], { cwd });
  expect(result.code).toBe(70);
  expect(result.stderr).toContain(`error: Plugin ${join(cwd, "guarded.ts")}: preflight returned 0.code: must be an UPPER_SNAKE code`);
});

test("a file name the core owns cannot be rendered by a backend", async () => {
  const cwd = project('render: () => [{ name: "bundle/bundle.json", contents: "{}", mode: 384 }],');
  const result = await runCli(["render"], { cwd });
  expect(result.code).toBe(70);
  expect(result.stderr).toContain('error: Backend "guarded" broke the contract: render wrote "bundle/bundle.json", a name the core owns');
});

test("api.ConfigError from plan is reported as a problem in the manifest", async () => {
  const cwd = project('plan: () => { throw new api.ConfigError("E_MINE", "Cannot use this bottle", [{ path: "backend.options.zone", message: "unknown zone" }], { hint: "pick a zone" }); },');
  const result = await runCli(["plan"], { cwd });
  expect(result.code).toBe(78);
  expect(result.stderr).toBe("error: Cannot use this bottle\n  backend.options.zone: unknown zone\nhint: pick a zone\n");
});

test("a step id the core's bundle steps use is refused: the journal is keyed by id", async () => {
  const { docker } = await import("../../src/backends/docker/index.ts");
  const { bottleSteps, planBottle } = await import("../../src/lifecycle/bottle.ts");
  const { parseManifest } = await import("../../src/core/load-manifest.ts");
  const clashing = { ...docker, launch: () => [{ id: "bundle-container", title: "mine", run: async () => {}, undo: async () => {} }] };
  const facts = { home: "/state", platform: "linux", arch: "x64", user: { uid: 1000, gid: 1000 }, usedSubnets: [], backend: undefined };
  const plan = planBottle(clashing, parseManifest('name = "g"', "/p/bottle.toml"), facts);
  expect(() => bottleSteps(clashing, plan)).toThrow('Backend "docker" broke the contract: launch has a step "bundle-container"');
});

test("leftovers without the slug that keeps a live bottle's resources safe are the plugin's error: gc removes none of them, says so, exits 1", async () => {
  const cwd = project('leftovers: async () => [{ kind: "vm", name: "claude-bottle-x-g", removeArgvs: [["false"]] }],');
  const result = await runCli(["--plugin", "./guarded.ts", "gc"], { cwd });
  expect(result.code).toBe(1);
  expect(result.stderr).toStartWith(`could not look for guarded's leftovers: Plugin ${join(cwd, "guarded.ts")}: leftovers returned 0.slug: `);
  expect(result.stdout).toBe("");
});

test("whatever a plugin's facts, preflight, steps or inspect throw names its file, never claude-bottle", async () => {
  const cwd = project(`facts: async () => { throw new Error("boom in facts"); },`);
  const plan = await runCli(["plan"], { cwd });
  expect(plan.code).toBe(70);
  expect(plan.stderr).toStartWith(`error: Plugin ${join(cwd, "guarded.ts")}: facts threw: boom in facts\nhint: this is the plugin's fault`);
  const preflight = await runCli(["preflight"], { cwd: project(`preflight: async () => { throw new TypeError("x is undefined"); },`) });
  expect(preflight.stderr).toContain("guarded.ts: preflight threw: x is undefined\n");
  const { guarded } = await import("../../src/plugins/plugin-guard.ts");
  const base = { name: "g", apiVersion: 2, version: "1", info: {}, plan: () => ({}), preflight: async () => [], exec: async () => 0 };
  const steps = guarded({ ...base, launch: () => [{ id: "vm", title: "vm", run: async () => { throw new Error("no vm"); }, undo: async () => {} }] } as never, "/p/g.ts").launch({} as never);
  await expect(steps[0]!.run({} as never)).rejects.toThrow('Plugin /p/g.ts: step "vm" threw: no vm');
  const inspect = guarded({ ...base, launch: () => [], inspect: async () => ({ web: "running" }) } as never, "/p/g.ts").inspect!([], {} as never);
  await expect(inspect).rejects.toThrow("Plugin /p/g.ts: inspect returned");
});
