/** up → ls → exec → down against the fake smolvm and docker, for each smolvm generation. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";

describe.each([["1.9.3"], ["1.8.0"], ["1.2.0"], ["1.1.3"]])("smolvm %s", (version) => {
  test("up --detach → ls → exec → down leaves nothing", async () => {
    const world = fakeWorld({ smolvm: version });
    const up = await world.cli(["up", "--detach"]);
    expect(up.stderr).toContain('bottle "web" is up');
    expect(up.code).toBe(0);

    const state = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8"));
    expect(state.status).toBe("running");
    expect(state.steps.map((s: { id: string }) => s.id)).toEqual(["bundle-network", "bundle-container", "machine", "machine-start", "provision"]);
    const machine = state.plan.machineName;
    expect(world.machines()).toEqual([machine]);
    expect(world.containers()).toEqual([state.plan.bundle.containerName]);
    expect(world.networks()).toEqual([state.plan.bundle.networkName]);
    // The machine got exactly the rendered Smolfile, and the CA landed where NODE_EXTRA_CA_CERTS points.
    expect(world.machineFile(machine, "Smolfile")).toBe(readFileSync(state.plan.smolfilePath, "utf8"));
    expect(world.machineFile(machine, "root/etc/claude-bottle/bundle-ca.crt")).toBe(readFileSync(state.plan.caCertPath, "utf8"));
    expect(world.machineFile(machine, "image")).toEndWith(`${"a".repeat(64)}.tar`);

    const ls = JSON.parse((await world.cli(["ls", "--json"])).stdout);
    expect(ls).toMatchObject([{ name: "web", backend: "smolmachines", status: "running", bundle: "running", agent: "running", bundleIp: state.plan.bundleIp }]);

    const exec = await world.cli(["exec", "web", "--", "sh", "-c", "exit 7"]);
    expect(exec.code).toBe(7);

    const down = await world.cli(["down", "web"]);
    expect(down.code).toBe(0);
    expect([world.machines(), world.containers(), world.networks(), world.orphans()]).toEqual([[], [], [], []]);
    expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
    expect((await world.cli(["down", "web"])).stderr).toContain("nothing to remove");
  });
});

test("argv follows the version: --name and --dns on 1.9.3", async () => {
  const world = fakeWorld({ smolvm: "1.9.3" });
  await world.cli(["up", "--detach"]);
  const create = world.calls().find((argv) => argv[1] === "machine" && argv[2] === "create")!;
  const plan = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8")).plan;
  expect(create).toEqual(["smolvm", "machine", "create", "--name", plan.machineName, "--image", expect.stringMatching(/\.tar$/), "--smolfile", plan.smolfilePath, "--dns", plan.bundleIp]);
  await world.cli(["down", "web"]);
  const del = world.calls().find((argv) => argv[2] === "delete")!;
  expect(del).toEqual(["smolvm", "machine", "delete", "--name", plan.machineName, "-f"]);
});

test("smolvm 1.2.0: no --dns flag (the fake rejects it like clap would)", async () => {
  const world = fakeWorld({ smolvm: "1.2.0" });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  expect(world.calls().find((argv) => argv[2] === "create")).not.toContain("--dns");
});

test.each([["0.8.0"], ["1.0.1"], ["1.1.0"]])("smolvm %s is refused by preflight, with nothing left behind", async (version) => {
  const world = fakeWorld({ smolvm: version });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("SMOLVM_TOO_OLD");
  expect([world.machines(), world.containers(), world.networks()]).toEqual([[], [], []]);
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
});

test.each([["0.8.0"], ["1.0.1"]])("smolvm %s with the override still refuses a path to open egress", async (version) => {
  const world = fakeWorld({ smolvm: version });
  const up = await world.cli(["up", "--detach", "--allow-unenforced-egress"]);
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("cannot load a local image archive");
  expect(world.calls().some((argv) => argv.includes("--from") || argv[1] === "pack")).toBe(false);
  expect([world.machines(), world.containers(), world.networks(), world.orphans()]).toEqual([[], [], [], []]);
});

test("smolvm 1.1.0 with the override runs, positional-free --name syntax", async () => {
  const world = fakeWorld({ smolvm: "1.1.0" });
  const up = await world.cli(["up", "--detach", "--allow-unenforced-egress"]);
  expect(up.stderr).toContain("SMOLVM_EGRESS_UNENFORCED");
  expect(up.code).toBe(0);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(world.machines()).toEqual([]);
});
