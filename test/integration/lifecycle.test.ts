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
    const machine = state.plan.agent.machineName;
    expect(world.machines()).toEqual([machine]);
    expect(world.containers()).toEqual([state.plan.bundle.containerName]);
    expect(world.networks()).toEqual([state.plan.bundle.networkName]);
    // The machine got exactly the rendered Smolfile, and the CA landed where NODE_EXTRA_CA_CERTS points.
    expect(world.machineFile(machine, "Smolfile")).toBe(readFileSync(state.plan.agent.smolfilePath, "utf8"));
    expect(world.machineFile(machine, "root/etc/claude-bottle/bundle-ca.crt")).toBe(readFileSync(state.plan.bundle.caCertPath, "utf8"));
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
  expect(create).toEqual(["smolvm", "machine", "create", "--name", plan.agent.machineName, "--image", expect.stringMatching(/\.tar$/), "--smolfile", plan.agent.smolfilePath, "--cpus", "2", "--mem", "4096", "--dns", plan.bundleIp]);
  await world.cli(["down", "web"]);
  const del = world.calls().find((argv) => argv[2] === "delete")!;
  expect(del).toEqual(["smolvm", "machine", "delete", "--name", plan.agent.machineName, "-f"]);
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

test.each([["0.8.0"], ["1.0.1"]])("smolvm %s with the override still refuses a path to open egress, creating nothing", async (version) => {
  const world = fakeWorld({ smolvm: version });
  const up = await world.cli(["up", "--detach", "--allow-unenforced-egress"]);
  expect(up.code).toBe(69);
  // Refused by the plan's decision, at preflight: no network or container was made and undone.
  expect(up.stderr).toContain("preflight found 1 problem");
  expect(up.stderr).toContain("cannot load a local image archive");
  expect(up.stderr).toContain("[GUEST_IMAGE_REFUSED]");
  expect(up.stderr).not.toContain("undone");
  const changing = world.calls().filter((argv) => ["create", "run", "rm", "save"].includes(argv[2] ?? argv[1] ?? ""));
  expect(changing).toEqual([]);
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

test("up without --detach attaches to the agent command and passes its exit code through", async () => {
  const world = fakeWorld({ manifest: 'name = "web"\n[agent]\ncommand = ["sh", "-c", "exit 5"]\n' });
  const up = await world.cli(["up"]);
  expect(up.code).toBe(5);
  expect(up.stderr).toEndWith('bottle "web" is still up. Next:\n  claude-bottle attach web  go back to the agent\n  claude-bottle down web    remove the bottle\n');
  const exec = world.calls().filter((argv) => argv[2] === "exec").at(-1)!;
  expect(exec).toEqual(["smolvm", "machine", "exec", "--name", expect.any(String), "-i", "--stream", "--", "sh", "-c", "exit 5"]);
  expect((await world.cli(["attach", "web"])).code).toBe(5);
  await world.cli(["down", "web"]);
});

test("up --rm removes the bottle when the agent exits", async () => {
  const world = fakeWorld({ manifest: 'name = "web"\n[agent]\ncommand = ["true"]\n' });
  expect((await world.cli(["up", "--rm"])).code).toBe(0);
  expect([world.machines(), world.containers(), world.networks()]).toEqual([[], [], []]);
});

test("up --json prints one event per line: progress, then up", async () => {
  const world = fakeWorld();
  const up = await world.cli(["up", "--json"]);
  const events = up.stdout.trim().split("\n").map((line) => JSON.parse(line));
  expect(events.map((e) => e.event)).toEqual([...Array(10).fill("progress"), "up"]);
  expect(events.filter((e) => e.message.startsWith("•")).length).toBe(5);
  expect(events.at(-1)).toMatchObject({ event: "up", slug: "web", bundleIp: expect.stringMatching(/^192\.168\.\d+\.2$/) });
  await world.cli(["down", "web"]);
});

test("logs shows the bundle's egress decisions first, readable", async () => {
  const world = fakeWorld();
  await world.cli(["up", "--detach"]);
  const state = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8"));
  const line = { time: "2026-11-24T10:00:00.000Z", bottle: "web", kind: "connect", client: "192.168.1.3", method: "CONNECT", host: "evil.example.com", port: 443, decision: "deny", rule: "default-deny", reason: "no allowlist entry matches evil.example.com:443" };
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(state.plan.bundle.dir, "audit.jsonl"), `${JSON.stringify(line)}\n`);
  const logs = await world.cli(["logs", "web"]);
  expect(logs.stdout).toContain("2026-11-24T10:00:00.000Z DENY    CONNECT evil.example.com:443 [default-deny] — no allowlist entry matches evil.example.com:443");
  expect(logs.code).toBe(0);
  await world.cli(["down", "web"]);
});

test("exec and attach on a bottle that is not up say so", async () => {
  const world = fakeWorld();
  const exec = await world.cli(["exec", "nope", "--", "ls"]);
  expect(exec.code).toBe(64);
  expect(exec.stderr).toContain('Cannot find bottle "nope"');
  expect((await world.cli(["exec", "nope"])).code).toBe(64);
});

test("run from source, a missing bundle image is a clear error before anything is made", async () => {
  const world = fakeWorld({ noBundleImage: true });
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(69);
  expect(up.stderr).toContain("Cannot start the bundle: image claude-bottle-bundle:latest is not on this host");
  expect([world.networks(), world.containers(), world.machines()]).toEqual([[], [], []]);
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
});
