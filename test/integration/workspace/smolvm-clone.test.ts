/**
 * The provisioning clone on the smolmachines backend, against the fake smolvm and docker (no
 * KVM here): after the machine is started and the CA installed, `smolvm machine exec` runs
 * `git clone` of the gate's URL into the workspace path; a clone that fails rolls everything
 * back with a hint. The guest's git is a stand-in that records its argv and dials nothing.
 */
import { expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld, type FakeWorld } from "../../helpers/fake-world.ts";
import { gitEnv, gitOk } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";

const GUEST_GIT = `#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_GUEST_LOG"
exit "\${FAKE_GUEST_GIT_EXIT:-0}"
`;

async function worldWithRepo(exit: number): Promise<{ world: FakeWorld; log: string }> {
  const guest = tempDir("guest-bin");
  writeFileSync(join(guest, "git"), GUEST_GIT);
  chmodSync(join(guest, "git"), 0o755);
  const log = join(guest, "argv.txt");
  const world = fakeWorld({ env: { FAKE_GUEST_PATH: guest, FAKE_GUEST_LOG: log, FAKE_GUEST_GIT_EXIT: String(exit) } });
  const genv = gitEnv();
  await gitOk(["init", "-q", "-b", "main", world.project], { env: genv });
  await gitOk(["add", "."], { cwd: world.project, env: genv });
  await gitOk(["commit", "-q", "-m", "start"], { cwd: world.project, env: genv });
  return { world, log };
}

test("smolmachines: the clone runs in the started machine, after the CA, from the gate's URL", async () => {
  const { world, log } = await worldWithRepo(0);
  const up = await world.cli(["up", "--detach"]);
  expect({ code: up.code, stderr: up.stderr }).toMatchObject({ code: 0 });
  const state = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8"));
  expect(state.steps.map((step: { id: string }) => step.id)).toEqual(["workspace-mirror", "bundle-network", "bundle-container", "machine", "machine-start", "provision", "workspace-clone"]);
  const machine = state.plan.agent.machineName;
  const smolvm = world.calls().filter((argv) => argv[0] === "smolvm" && argv[1] === "machine").map((argv) => argv.slice(2, 3)[0]);
  expect(smolvm.slice(-4)).toEqual(["create", "start", "exec", "exec"]);
  const clone = world.calls().filter((argv) => argv[0] === "smolvm").at(-1);
  expect(clone?.slice(0, 8)).toEqual(["smolvm", "machine", "exec", "--name", machine, "-i", "--stream", "--"]);
  const url = `http://${state.plan.bundleIp}:8889/workspace.git`;
  expect(readFileSync(log, "utf8").trim().split("\n")).toEqual([
    "clone", "--quiet", "-c", "push.default=current", "-c", "user.name=Claude (bottle web)", "-c", "user.email=claude@web.bottle.invalid", "--", url, "/workspace",
  ]);
  expect(state.plan.env.CLAUDE_BOTTLE_GIT_URL).toBe(url);
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect([world.machines(), world.containers(), world.networks()]).toEqual([[], [], []]);
});

test("smolmachines: a clone that fails undoes the bottle and says what to check", async () => {
  const { world } = await worldWithRepo(128);
  const up = await world.cli(["up", "--detach"]);
  expect(up.code).toBe(1);
  expect(up.stderr).toContain('Cannot clone the workspace into /workspace in bottle "web": git exited with code 128');
  expect(up.stderr).toContain("hint: the agent image needs git");
  expect([world.machines(), world.containers(), world.networks()]).toEqual([[], [], []]);
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
});
