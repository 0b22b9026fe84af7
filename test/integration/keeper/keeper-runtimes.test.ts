/**
 * The keeper as `claude-bottle keeper NAME` runs it from source, under Bun and under Deno (the
 * compiled binary is test/docker/keeper-bottle.test.ts): a bottle made with the fake smolvm and
 * docker has a real mirror and quarantine; a real gate serves them on loopback; a real git push
 * is imported while git waits, so the next ls-remote shows it. SIGTERM ends the keeper cleanly.
 */
import { afterEach, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, watch, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fakeWorld } from "../../helpers/fake-world.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";
import { DENO, ROOT } from "../../helpers/spawn.ts";
import { Audit } from "../../../src/bundle/serve/audit.ts";
import { createGate } from "../../../src/bundle/serve/gate/gate.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const GUEST_GIT = "#!/bin/sh\nexit 0\n";

function whenExists(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (existsSync(join(dir, name))) {
        watcher.close();
        resolve();
      }
    });
    if (existsSync(join(dir, name))) {
      watcher.close();
      resolve();
    }
  });
}

test.each([
  ["bun", [join(ROOT, "node_modules/.bin/bun"), "src/main.ts"]],
  ["deno", [DENO, "run", "--allow-all", "--no-prompt", "src/main.ts"]],
])("under %s: the keeper imports a push while git waits, and stops on SIGTERM", async (_runtime, self) => {
  const guest = tempDir("guest-bin");
  writeFileSync(join(guest, "git"), GUEST_GIT);
  chmodSync(join(guest, "git"), 0o755);
  const world = fakeWorld({ env: { FAKE_GUEST_PATH: guest } });
  const genv = gitEnv();
  await gitOk(["init", "-q", "-b", "main", world.project], { env: genv });
  await gitOk(["add", "."], { cwd: world.project, env: genv });
  await gitOk(["commit", "-q", "-m", "start"], { cwd: world.project, env: genv });
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const plan = JSON.parse(readFileSync(join(world.home, "bottles/web/state.json"), "utf8")).plan;
  const workspace = plan.workspace;

  const audit = new Audit({ path: join(plan.bundle.dir, "audit.jsonl"), fs: nodeFs });
  const config = { mirror: workspace.mirror, quarantine: workspace.quarantine, push: workspace.push, exposed: workspace.refs, limits: { maxBytes: 1 << 26, maxObjects: 10_000 } };
  const server = await createGate({ bottle: "web", audit, fs: nodeFs, config });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    await audit.flushed();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workspace.git`;

  const keeper = spawn(self[0] as string, [...self.slice(1), "--home", world.home, "keeper", "web"], { cwd: ROOT, env: { ...world.env, DENO_NO_UPDATE_CHECK: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  keeper.stdout.on("data", (chunk) => (output += chunk));
  keeper.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => keeper.on("exit", (code) => resolve(code)));
  closers.push(async () => {
    keeper.kill("SIGKILL");
    await exited;
  });
  await whenExists(workspace.quarantine, "keeper.alive");

  const agent = join(tempDir("agent"), "w");
  await gitOk(["clone", "-q", url, agent], { env: genv });
  const commit = await commitFile(agent, "x.txt", "x\n");
  const pushed = await git(["push", "origin", "HEAD:claude/x"], { cwd: agent, env: genv });
  expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/x");
  expect(await gitOk(["ls-remote", "origin", "refs/heads/claude/x"], { cwd: agent, env: genv })).toBe(`${commit}\trefs/heads/claude/x`);
  await audit.flushed();
  const post = readFileSync(join(plan.bundle.dir, "audit.jsonl"), "utf8").split("\n").filter((line) => line.includes('git-receive-pack"'));
  expect(JSON.parse(post.at(-1) as string)).toMatchObject({ decision: "allow", reason: "imported" });

  keeper.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(output).toContain("imported");
  expect(existsSync(join(workspace.quarantine, "keeper.alive"))).toBe(false);
  expect(existsSync(join(world.home, "keepers", "web.json"))).toBe(false);
  expect((await world.cli(["down", "web"])).code).toBe(0);
}, 120_000);
