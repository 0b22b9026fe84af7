/**
 * [agent] cpus and memory: validated in the manifest, handed to smolvm as `machine create
 * --cpus/--mem` (the Smolfile keeps its two keys), and the fake smolvm refuses what the real one
 * refuses (reference §1.1).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { fakeWorld, FAKE_BIN } from "../helpers/fake-world.ts";
import { spawn } from "../helpers/spawn.ts";
import { tempDir } from "../helpers/cli.ts";

test.each([
  ["the defaults", "", "2 4096"],
  ["the manifest's", "cpus = 6\nmemory = 2048\n", "6 2048"],
])("the VM gets %s size, and the Smolfile keeps exactly env and [network]", async (_name, agent, size) => {
  const world = fakeWorld({ manifest: `name = "web"\n[agent]\n${agent}` });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const state = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8"));
  expect(world.machineFile(state.plan.agent.machineName, "size")).toBe(size);
  expect(Object.keys(parse(readFileSync(state.plan.agent.smolfilePath, "utf8"))).sort()).toEqual(["env", "network"]);
  await world.cli(["down", "web"]);
});

test("out-of-range sizes are manifest errors, every one at once", async () => {
  const world = fakeWorld({ manifest: 'name = "web"\n[agent]\ncpus = 0\nmemory = 64.5\n' });
  const plan = await world.cli(["plan"]);
  expect(plan.code).toBe(78);
  expect(plan.stderr).toContain("agent.cpus: must be at least 1");
  expect(plan.stderr).toContain("agent.memory: must be a whole number of MiB");
  const big = fakeWorld({ manifest: 'name = "web"\n[agent]\ncpus = 17\nmemory = 128\n' });
  const refused = await big.cli(["plan"]);
  expect(refused.stderr).toContain("agent.cpus: must be at most 16 (smolvm's cap)");
  expect(refused.stderr).toContain("agent.memory: must be at least 256 (MiB)");
});

test.each([
  [["--cpus", "0"], 1, "cpus must be at least 1"],
  [["--cpus", "x"], 2, "invalid value 'x' for '--cpus <CPUS>'"],
  [["--cpus", "300"], 2, "number too large"],
  [["--mem", "32"], 1, "memory must be at least 64 MiB"],
  [["--cpus", "20"], 0, "warning: cpus capped at 16"],
])("the fake smolvm answers create %p as smolvm does", (flags, code, message) => {
  const state = tempDir("fake-smolvm");
  const result = spawn([join(FAKE_BIN, "smolvm"), "machine", "create", "--name", "m", ...flags], { env: { PATH: "/usr/bin:/bin", FAKE_STATE: state, FAKE_SMOLVM_VERSION: "1.9.3" } });
  expect(result.code).toBe(code);
  expect(result.stderr).toContain(message);
});
