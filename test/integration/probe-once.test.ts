/**
 * Facts are gathered once per command: one `up` asks the host each question once (the fake
 * executables log every argv), and the plan's facts serve preflight and launch.
 */
import { expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";

const AGENT_IMAGE = "claude-bottle:latest";

const PROBES: Record<string, (argv: string[]) => boolean> = {
  "smolvm --version": (argv) => argv[0] === "smolvm" && argv[1] === "--version",
  "ip route show": (argv) => argv[0] === "ip" && argv[2] === "route" && argv[3] === "show",
  "docker network ls": (argv) => argv[0] === "docker" && argv[1] === "network" && argv[2] === "ls",
  "docker network inspect": (argv) => argv[0] === "docker" && argv[1] === "network" && argv[2] === "inspect",
  "docker version": (argv) => argv[0] === "docker" && argv[1] === "version",
  "docker image inspect (agent)": (argv) => argv.slice(0, 3).join(" ") === "docker image inspect" && argv.at(-1) === AGENT_IMAGE,
  "docker image save": (argv) => argv.slice(0, 3).join(" ") === "docker image save",
};

function probeCounts(calls: string[][]): Record<string, number> {
  return Object.fromEntries(Object.entries(PROBES).map(([name, match]) => [name, calls.filter(match).length]));
}

test("one up runs each host probe once, with other bottles' networks on the host", async () => {
  const world = fakeWorld();
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  writeFileSync(join(world.project, "two.toml"), 'name = "two"\n');
  const before = world.calls().length;
  const up = await world.cli(["up", "--detach", "two.toml"]);
  expect(up.code).toBe(0);
  const calls = world.calls().slice(before);
  expect(probeCounts(calls)).toEqual({
    "smolvm --version": 1,
    "ip route show": 1,
    "docker network ls": 1,
    "docker network inspect": 1,
    "docker version": 1,
    // Preflight and the archive both use the ID the facts found; the first up saved the archive.
    "docker image inspect (agent)": 1,
    "docker image save": 0,
  });
  // The first bottle's network was seen, and the second one steered around it.
  const first = world.networks().find((name) => name.endsWith("-web-net"))!;
  const inspect = calls.find(PROBES["docker network inspect"]!)!;
  expect(inspect.length).toBeGreaterThan(5);
  expect(first).toBeDefined();
  for (const name of ["web", "two"]) expect((await world.cli(["down", name])).code).toBe(0);
});

test("preflight and plan each ask once too", async () => {
  const world = fakeWorld();
  for (const command of ["plan", "preflight"]) {
    const before = world.calls().length;
    await world.cli([command]);
    const counts = probeCounts(world.calls().slice(before));
    expect(counts["smolvm --version"]).toBe(1);
    expect(counts["ip route show"]).toBe(1);
    expect(counts["docker network ls"]).toBe(1);
    expect(counts["docker version"]).toBe(command === "preflight" ? 1 : 0);
    expect(counts["docker image inspect (agent)"]).toBe(1);
  }
});

test("gc asks smolvm its version once (the backend's facts), and an old smolvm's machines are stopped before delete", async () => {
  const world = fakeWorld({ smolvm: "0.8.0" });
  const state = world.env.FAKE_STATE!;
  const name = JSON.parse((await world.cli(["plan", "--json"])).stdout).machineName.replace(/web$/, "gone");
  mkdirSync(join(state, "smolvm/machines", name), { recursive: true });
  writeFileSync(join(state, "smolvm/machines", name, "state"), "running");
  const before = world.calls().length;
  const gc = await world.cli(["gc"]);
  expect({ code: gc.code, stdout: gc.stdout }).toEqual({ code: 0, stdout: `removed machine ${name}\n` });
  const calls = world.calls().slice(before);
  expect(probeCounts(calls)["smolvm --version"]).toBe(1);
  expect(calls.filter((argv) => argv[0] === "smolvm" && argv[1] !== "--version")).toEqual([
    ["smolvm", "machine", "ls", "--json"],
    ["smolvm", "machine", "stop", "--name", name],
    ["smolvm", "machine", "delete", name, "-f"],
  ]);
  expect(world.orphans()).toEqual([]);
});
