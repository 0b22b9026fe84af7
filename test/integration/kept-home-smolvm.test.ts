/**
 * `[agent] persist_home` on smolmachines (fake smolvm): the agent's home is a host directory of the
 * state home shared as a smolvm volume, made 0700 before create, stripped of a login in the guest
 * at up and down, kept across down/up, listed by gc, removed by `down --purge` only.
 */
import { expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";

const MANIFEST = 'name = "web"\n[agent]\npersist_home = true\n';
const STRIP = ["rm", "-f", "/home/agent/.claude/.credentials.json"];

function stripCalls(calls: string[][]): number {
  return calls.filter((argv) => argv[0] === "smolvm" && argv[2] === "exec" && argv.slice(-STRIP.length).join(" ") === STRIP.join(" ")).length;
}

test("persist_home on smolmachines: a kept host directory as /home/agent, never a login, removed by down --purge", async () => {
  const world = fakeWorld({ manifest: MANIFEST });
  const dir = join(world.home, "kept-homes", "web");
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const [machine] = world.machines();
  expect(world.machineFile(machine!, "volumes").trim()).toBe(`${dir}:/home/agent`);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(stripCalls(world.calls())).toBe(1);

  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(stripCalls(world.calls())).toBe(2);
  expect(world.machines()).toEqual([]);
  expect(existsSync(dir)).toBe(true);

  const gc = await world.cli(["gc", "--dry-run"]);
  expect(gc.stdout).toContain(`kept home of bottle "web": directory ${dir} (claude-bottle down --purge web removes it)`);
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  expect(world.machineFile(world.machines()[0]!, "volumes").trim()).toBe(`${dir}:/home/agent`);

  const purge = await world.cli(["down", "--purge", "web"]);
  expect(purge.code).toBe(0);
  expect(purge.stderr).toContain(`removed the agent's kept home (directory ${dir})`);
  expect(existsSync(dir)).toBe(false);
  expect((await world.cli(["gc", "--dry-run"])).stdout).not.toContain("kept home");
});

test("without persist_home no volume is passed and no kept directory is made", async () => {
  const world = fakeWorld();
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  expect(world.machineFile(world.machines()[0]!, "volumes")).toBe("");
  expect(stripCalls(world.calls())).toBe(0);
  expect(existsSync(join(world.home, "kept-homes"))).toBe(false);
  expect((await world.cli(["down", "web"])).code).toBe(0);
});
