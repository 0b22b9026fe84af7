/**
 * A bottle brought up by API 1 (a flat plan in state.json) still goes `down` after the change:
 * the core part is read back through its schema, the backend's fields through `upgrade`.
 */
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";

/** The plan as API 1 recorded it: everything flat, the backend's fields beside the core's. */
function asLegacy(plan: Record<string, any>): Record<string, unknown> {
  const { planVersion: _v, agent, bundle, agentImage, agentCommand, agentCpus: _c, agentMemoryMiB: _m, ...core } = plan;
  const { placement: _p, egressNetwork, allow, caCertPath, ...bundleRest } = bundle;
  const own = plan["backend"] === "smolmachines"
    ? { machineName: agent.machineName, smolfilePath: agent.smolfilePath, smolvmVersion: agent.smolvm.version }
    : { agentContainer: agent.agentContainer };
  return {
    ...core, ...(egressNetwork ? { egressNetwork } : {}),
    agent: { image: agentImage, command: agentCommand }, egress: { allow }, bundle: bundleRest, caCertPath, ...own,
  };
}

test.each([["smolmachines"], ["docker"]])("%s: a bottle recorded with an API 1 plan goes down", async (backend) => {
  const world = fakeWorld({ manifest: `name = "old"\nbackend = "${backend}"\n` });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const statePath = join(world.home, "bottles/old/state.json");
  const state = JSON.parse(readFileSync(statePath, "utf8"));
  writeFileSync(statePath, JSON.stringify({ ...state, plan: asLegacy(state.plan) }));
  expect(world.containers().length).toBeGreaterThan(0);

  const ls = JSON.parse((await world.cli(["ls", "--json"])).stdout);
  expect(ls).toMatchObject([{ name: "old", backend, bundle: "running", agent: "running", bundleIp: state.plan.bundleIp }]);
  const down = await world.cli(["down", "old"]);
  expect(down.stderr).toContain('bottle "old" removed');
  expect([world.machines(), world.containers(), world.networks()]).toEqual([[], [], []]);
  expect(existsSync(join(world.home, "bottles/old"))).toBe(false);
});
