/** The backends' optional `stop` (on_canary = "stop"): smolmachines stops the microVM and keeps it for down (fake smolvm). */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";
import { smolmachines } from "../../src/backends/smolmachines/index.ts";
import { nodeRunner } from "../../src/runtime/node-runner.ts";
import { nodeFs } from "../../src/runtime/node-fs.ts";

test("smolmachines stop: smolvm machine stop --name, safe to repeat, and down still removes the machine", async () => {
  const world = fakeWorld();
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const plan = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8")).plan;
  const deps = { runner: nodeRunner(world.env), fs: nodeFs, env: world.env, log: { info() {}, warn() {} } };
  await smolmachines.stop!(plan, deps);
  expect(world.machineFile(plan.agent.machineName, "state").trim()).toBe("stopped");
  expect(world.calls().at(-1)).toEqual(["smolvm", "machine", "stop", "--name", plan.agent.machineName]);
  await smolmachines.stop!(plan, deps);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(world.machines()).toEqual([]);
});
