/** The gate as `claude-bottle bundle serve` runs it, under Bun and under Deno: a real git clone and push through :8889. */
import { afterEach, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildMirror } from "../../../src/workspace/mirror.ts";
import { hostDeps } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk, userRepo } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";
import { BIN, DENO, ROOT } from "../../helpers/spawn.ts";

const children: ChildProcess[] = [];
// SIGKILL, and wait for the exit: the teardown does not depend on the bundle's own shutdown.
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
});

interface Ports {
  gitGate: number;
  proxy: number;
}

function serve(runtime: "bun" | "deno", config: string): Promise<Ports> {
  const deno = [DENO, "run", "--allow-all", "--no-prompt", "src/main.ts"];
  const argv = runtime === "bun" ? [join(BIN, "bun"), "src/main.ts"] : deno;
  const env = { PATH: process.env["PATH"] ?? "", HOME: tempDir("serve-home"), DENO_NO_UPDATE_CHECK: "1" };
  const child = spawn(argv[0] as string, [...argv.slice(1), "bundle", "serve", "--config", config], { cwd: ROOT, env });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((candidate) => candidate.includes('"listening"'));
      if (line) resolve(JSON.parse(line).ports);
    });
    child.on("close", (code) => reject(new Error(`${runtime} exited ${code}`)));
  });
}

async function bundleDir(workspace: boolean): Promise<{ config: string; quarantine: string; mirror: string; start: string }> {
  const dir = tempDir("bundle");
  const mirror = join(dir, "mirror.git");
  const quarantine = join(dir, "quarantine");
  const info = await buildMirror(hostDeps, { repo: await userRepo(), refs: [], path: mirror });
  writeFileSync(join(dir, "supervise.token"), "t".repeat(64));
  const config = {
    version: 1,
    bottle: "g",
    bundleIp: "127.0.0.1",
    subnet: "192.0.2.0/24",
    listen: "127.0.0.1",
    ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 },
    allow: [],
    ...(workspace ? { workspace: { mirror, quarantine, push: ["claude/*"], exposed: ["refs/heads/main"], maxBytes: 1 << 26, maxObjects: 100_000 } } : {}),
  };
  writeFileSync(join(dir, "bundle.json"), JSON.stringify(config));
  return { config: join(dir, "bundle.json"), quarantine, mirror, start: info.start };
}

for (const runtime of ["bun", "deno"] as const) {
  test(`under ${runtime}: clone through :8889, push a branch, main refused`, async () => {
    const bundle = await bundleDir(true);
    const ports = await serve(runtime, bundle.config);
    const env = gitEnv();
    const clone = join(tempDir("agent"), "ws");
    await gitOk(["clone", "-q", `http://127.0.0.1:${ports.gitGate}/workspace.git`, clone], { env });
    expect(await gitOk(["rev-parse", "HEAD"], { cwd: clone, env })).toBe(bundle.start);
    await commitFile(clone, "big.bin", crypto.getRandomValues(new Uint8Array(65536)));
    const pushed = await git(["push", "origin", "HEAD:claude/x", "HEAD:main"], { cwd: clone, env });
    expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/x");
    expect(pushed.stderr).toContain(" ! [remote rejected] HEAD -> main (read-only: this branch came from the host)");
    expect(readdirSync(join(bundle.quarantine, "pushes")).filter((name) => name.endsWith(".json"))).toHaveLength(1);
  }, 60_000);
}

test("a bottle without a workspace answers 404 on :8889 and says why", async () => {
  const bundle = await bundleDir(false);
  const ports = await serve("bun", bundle.config);
  const response = await fetch(`http://127.0.0.1:${ports.gitGate}/workspace.git/info/refs`);
  expect({ status: response.status, body: await response.text() }).toEqual({ status: 404, body: "this bottle has no workspace ([workspace] in bottle.toml)\n" });
}, 60_000);
