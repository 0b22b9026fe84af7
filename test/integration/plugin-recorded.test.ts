/**
 * Commands that act on an existing bottle find its plugin from the bottle's recorded state: no
 * --plugin flag and no plugin directory needed for ls, exec, logs, down and gc.
 */
import { expect, test } from "bun:test";
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";
import { ROOT } from "../helpers/spawn.ts";

test("ls, exec, logs, gc and down find a plugin bottle's backend from its state", async () => {
  const world = fakeWorld({ manifest: 'name = "a"\nbackend = "./marker.ts"\n' });
  copyFileSync(join(ROOT, "test/fixtures/recorded-plugin/marker.ts"), join(world.project, "marker.ts"));
  writeFileSync(join(world.project, "b.toml"), 'name = "b"\nbackend = "./marker.ts"\n');
  for (const args of [["up", "--detach"], ["up", "--detach", "b.toml"]]) expect((await world.cli(args)).code).toBe(0);

  const ls = JSON.parse((await world.cli(["ls", "--json"])).stdout);
  expect(ls).toMatchObject([{ name: "a", backend: "marker", agent: "running" }, { name: "b", backend: "marker", agent: "running" }]);
  expect((await world.cli(["exec", "b", "--", "sh", "-c", "exit 5"])).code).toBe(5);
  expect((await world.cli(["logs", "a"])).stdout).toContain("console of a");

  // A crash loses b's state but not its marker: gc finds the plugin through a's state.
  rmSync(join(world.home, "bottles/b"), { recursive: true });
  const gc = await world.cli(["gc"]);
  expect(gc.stdout).toContain("removed marker b");
  expect(gc.stdout).toContain("removed container"); // b's bundle, by its labels
  expect(existsSync(join(world.home, "markers/b"))).toBe(false);
  expect(existsSync(join(world.home, "markers/a"))).toBe(true);

  expect((await world.cli(["down", "a"])).code).toBe(0);
  expect(existsSync(join(world.home, "markers/a"))).toBe(false);
  expect([world.containers(), world.networks()]).toEqual([[], []]);
});

test("a leftover both the core (by its labels) and a plugin report is removed once", async () => {
  const world = fakeWorld({ manifest: 'name = "c"\nbackend = "docker"\n' });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const bundle = world.containers().find((name) => name.endsWith("-c-bundle"))!;
  rmSync(join(world.home, "bottles/c"), { recursive: true }); // a crash: the state is gone
  writeFileSync(join(world.project, "also.ts"), `export default (api) => api.defineBackend({
  name: "also", apiVersion: api.API_VERSION, version: "1",
  info: { description: "", isolation: "x", binaries: [], network: { description: "", isolated: true },
    features: { interactiveAttach: false, hostKernelShared: false, dnsSink: false } },
  plan: () => ({}), preflight: async () => [], launch: () => [], exec: async () => 0,
  leftovers: async () => [{ kind: "container", name: "${bundle}", slug: "c", removeArgvs: [["docker", "rm", "-f", "${bundle}"]] }],
});
`);
  const gc = await world.cli(["--plugin", "./also.ts", "gc"]);
  expect({ code: gc.code, stderr: gc.stderr }).toEqual({ code: 0, stderr: "" });
  expect(gc.stdout.split("\n").filter((line) => line.includes(bundle))).toEqual([`removed container ${bundle}`]);
  expect(world.containers()).toEqual([]);
});

test("a plugin that cannot say what it left does not stop gc: the rest is collected, the plugin named, exit 1", async () => {
  const world = fakeWorld({ manifest: 'name = "d"\nbackend = "docker"\n' });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  rmSync(join(world.home, "bottles/d"), { recursive: true });
  writeFileSync(join(world.project, "broken.ts"), `export default (api) => api.defineBackend({
  name: "broken", apiVersion: api.API_VERSION, version: "1",
  info: { description: "", isolation: "x", binaries: [], network: { description: "", isolated: true },
    features: { interactiveAttach: false, hostKernelShared: false, dnsSink: false } },
  plan: () => ({}), preflight: async () => [], launch: () => [], exec: async () => 0,
  leftovers: async () => { throw new Error("cannot reach my cloud"); },
});
`);
  const gc = await world.cli(["--plugin", "./broken.ts", "gc"]);
  expect(gc.code).toBe(1);
  expect(gc.stderr).toBe(`could not look for broken's leftovers: Plugin ${join(world.project, "broken.ts")}: leftovers threw: cannot reach my cloud\n`);
  expect(gc.stdout.split("\n").filter(Boolean).map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual([
    "removed container", "removed container", "removed network", "removed network",
  ]);
  expect([world.containers(), world.networks()]).toEqual([[], []]);
});
