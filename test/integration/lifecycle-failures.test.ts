/** Every failure path of `up` ends with nothing of the bottle left on the host. */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld, type FakeWorld } from "../helpers/fake-world.ts";

function expectNothingLeft(world: FakeWorld): void {
  expect({ machines: world.machines(), containers: world.containers(), networks: world.networks(), orphans: world.orphans() }).toEqual({ machines: [], containers: [], networks: [], orphans: [] });
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
}

test.each([
  ["docker network create", "create the bundle network"],
  ["docker run", "start the bundle container"],
  ["docker image save", "save the agent image"],
  ["smolvm machine create", "create the microVM"],
  ["smolvm machine start", "start the microVM"],
  ["smolvm machine exec", "install the bundle CA"],
])("a failing `%s` is rolled back", async (call, message) => {
  const world = fakeWorld({ env: { FAKE_FAIL: call } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).not.toBe(0);
  expect(up.stderr).toContain(`error: Cannot ${message}`);
  expect(up.stderr).toContain("undone: create network");
  expectNothingLeft(world);
});

test("a missing agent image is caught by preflight, before anything is made", async () => {
  const world = fakeWorld({ env: { FAKE_FAIL: "docker image inspect" } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("[AGENT_IMAGE_MISSING]");
  expect(world.calls().some((argv) => argv[1] === "network" && argv[2] === "create")).toBe(false);
  expectNothingLeft(world);
});

test("a bundle that never becomes ready times out with its logs, and is rolled back", async () => {
  const world = fakeWorld({ env: { CLAUDE_BOTTLE_READY_TIMEOUT: "0.3" } });
  const up = await world.cli(["up", "--detach"], { http: { get: async () => ({ error: "connect ECONNREFUSED" }) } });
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("did not answer (connect ECONNREFUSED; waited up to 0.3 s)");
  expect(up.stderr).toContain("bundle claude-bottle-");
  expectNothingLeft(world);
});

test("KVM missing at start (where smolvm reports it) is rolled back", async () => {
  const world = fakeWorld({ env: { FAKE_NO_KVM: "1" } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.stderr).toContain("kvm not available");
  expectNothingLeft(world);
});

test("an interrupt mid-launch undoes what was done", async () => {
  const world = fakeWorld();
  const controller = new AbortController();
  // SIGINT arrives while the bundle is becoming ready.
  const http = { get: async () => (controller.abort(), { status: 200, body: "ok" }) };
  const up = await world.cli(["up", "--detach"], { http, interrupt: controller.signal });
  expect(up.code).toBe(130);
  expect(up.stderr).toContain("undone: start bundle");
  expectNothingLeft(world);
});

test("a bottle that is already up is not started twice", async () => {
  const world = fakeWorld();
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const again = await world.cli(["up", "--detach"]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('Cannot start bottle "web": it is already up');
  expect(world.machines().length).toBe(1);
  await world.cli(["down", "web"]);
  expectNothingLeft(world);
});

test("down works from state when the VM and container are already gone", async () => {
  const world = fakeWorld();
  await world.cli(["up", "--detach"]);
  const state = join(world.env.FAKE_STATE!, "");
  rmSync(join(state, "smolvm/machines"), { recursive: true });
  rmSync(join(state, "docker/containers"), { recursive: true });
  const down = await world.cli(["down", "web"]);
  expect(down.code).toBe(0);
  expectNothingLeft(world);
});

test("a failing undo keeps the rest of the record, and a second down finishes", async () => {
  const world = fakeWorld();
  await world.cli(["up", "--detach"]);
  const first = await world.cli(["down", "web"], { env: { FAKE_FAIL: "docker network rm" } });
  expect(first.code).toBe(1);
  expect(first.stderr).toContain("bundle-network: Cannot remove network");
  expect(world.machines()).toEqual([]);
  expect(world.networks().length).toBe(1);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expectNothingLeft(world);
});

test("two bottles brought up at once get different subnets; the same bottle twice runs once", async () => {
  const world = fakeWorld();
  const other = join(world.dir, "other");
  mkdirSync(other);
  writeFileSync(join(other, "bottle.toml"), 'name = "api"\n[bundle]\nsubnet_pool = "10.123.0.0/23"\n');
  writeFileSync(join(world.project, "bottle.toml"), 'name = "web"\n[bundle]\nsubnet_pool = "10.123.0.0/23"\n');
  const results = await Promise.all([world.cli(["up", "--detach"]), world.cli(["up", "--detach", join(other, "bottle.toml")]), world.cli(["up", "--detach"])]);
  expect(results.map((r) => r.code).sort()).toEqual([0, 0, 1]);
  const ls = JSON.parse((await world.cli(["ls", "--json"])).stdout) as { name: string; bundleIp: string }[];
  expect(ls.map((row) => row.name)).toEqual(["api", "web"]);
  expect(new Set(ls.map((row) => row.bundleIp)).size).toBe(2);
  expect(world.networks().length).toBe(2);
  for (const name of ["api", "web"]) expect((await world.cli(["down", name])).code).toBe(0);
  expectNothingLeft(world);
});

test("gc finds what a crash left, removes only this home's, and leaves the user's own", async () => {
  const world = fakeWorld();
  await world.cli(["up", "--detach"]);
  rmSync(join(world.home, "bottles"), { recursive: true }); // SIGKILL before the state could say anything
  // Someone else's network and machine, and another home's bottle, on the same host.
  const state = world.env.FAKE_STATE!;
  mkdirSync(join(state, "docker/networks/my-own-net"));
  writeFileSync(join(state, "docker/networks/my-own-net/subnet"), "10.9.9.0/24");
  writeFileSync(join(state, "docker/networks/my-own-net/labels"), "");
  mkdirSync(join(state, "smolvm/machines/my-vm"), { recursive: true });
  writeFileSync(join(state, "smolvm/machines/my-vm/state"), "running");

  const dry = await world.cli(["gc", "--dry-run"]);
  expect(dry.stdout.split("\n").filter(Boolean)).toEqual([
    expect.stringMatching(/^would remove machine claude-bottle-/),
    expect.stringMatching(/^would remove container claude-bottle-/),
    expect.stringMatching(/^would remove network claude-bottle-/),
  ]);
  expect(world.machines().length).toBe(2);

  const gc = await world.cli(["gc"]);
  expect(gc.code).toBe(0);
  expect(world.machines()).toEqual(["my-vm"]);
  expect(world.networks()).toEqual(["my-own-net"]);
  expect(world.containers()).toEqual([]);
  expect((await world.cli(["gc"])).stdout).toBe("nothing to collect\n");
});

test.each([["docker network create"], ["docker network connect"], ["docker run"]])("docker backend: a failing `%s` is rolled back", async (call) => {
  const world = fakeWorld({ manifest: 'name = "web"\nbackend = "docker"\n', env: { FAKE_FAIL: call } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(1);
  expectNothingLeft(world);
});

test("docker backend: up, ls, exec and down with the fakes; the agent network is isolated", async () => {
  const world = fakeWorld({ manifest: 'name = "web"\nbackend = "docker"\n' });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const create = world.calls().filter((argv) => argv[1] === "network" && argv[2] === "create");
  expect(create[0]).toContain("--internal");
  expect(create[0]).toContain("com.docker.network.bridge.inhibit_ipv4=true");
  expect(create[1]).not.toContain("--internal");
  const ls = JSON.parse((await world.cli(["ls", "--json"])).stdout);
  expect(ls).toMatchObject([{ name: "web", backend: "docker", isolation: "container", agent: "running", bundle: "running" }]);
  expect(world.containers().length).toBe(2);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expectNothingLeft(world);
});

test.each([
  ["through a gateway", '"$4 via 10.0.2.2 dev eth0 src 10.0.2.15"', "routes it through a gateway, not a local bridge"],
  // The host's LAN on the bundle's /24: directly connected, no gateway, and still off the machine.
  ["over the host's LAN", '"$4 dev eth0 src ${4%.*}.57"', "routes it over eth0, not a docker bridge"],
  ["unknown: ip fails", '"Error: any valid prefix is expected" >&2; exit 1', "cannot tell how this host routes it"],
])("a bundle address the host would route %s is never probed", async (_case, answer, message) => {
  const world = fakeWorld();
  const { writeFileSync: write, mkdirSync: mkdir } = await import("node:fs");
  const bin = join(world.dir, "routes");
  mkdir(bin);
  write(join(bin, "ip"), `#!/bin/sh\ncase "$*" in "-4 route get "*) echo ${answer} ;; esac\n`, { mode: 0o755 });
  const probed: string[] = [];
  const up = await world.cli(["up", "--detach"], { env: { PATH: `${bin}:${world.env.PATH}` }, http: { get: async (url) => (probed.push(url), { error: "should not be called" }) } });
  expect(up.code).toBe(69);
  expect(up.stderr).toContain(message);
  expect(probed).toEqual([]);
  expectNothingLeft(world);
});

test("when the rollback itself fails, what is left stays recorded and down finishes it", async () => {
  const world = fakeWorld({ env: { FAKE_FAIL: "smolvm machine create,docker network rm" } });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(1);
  expect(up.stderr).toContain("and the rollback could not undo: bundle-network");
  const state = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8"));
  expect(state.steps.map((s: { id: string }) => s.id)).toEqual(["bundle-network"]);
  expect(world.networks().length).toBe(1);
  expect(world.containers()).toEqual([]);
  expect((await world.cli(["down", "web"], { env: { FAKE_FAIL: "" } })).code).toBe(0);
  expectNothingLeft(world);
});
