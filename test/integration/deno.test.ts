/** The same sources under Deno: plan and render agree byte for byte with Bun. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { BIN, DENO, ROOT, spawn } from "../helpers/spawn.ts";

const env = () => ({ PATH: process.env["PATH"] ?? "", HOME: tempDir("denohome"), DENO_NO_UPDATE_CHECK: "1" });

test("deno run gives the same plan as bun", () => {
  const home = tempDir("home");
  const args = ["--home", home, "plan", "examples/bottle.toml", "--json"];
  const underDeno = spawn([DENO, "run", "--allow-all", "--no-prompt", "src/main.ts", ...args], { cwd: ROOT, env: env() });
  const underBun = spawn([join(BIN, "bun"), "src/main.ts", ...args], { cwd: ROOT, env: env() });
  expect(underDeno.stderr).toBe("");
  expect(underDeno.code).toBe(0);
  // The host's own addresses are live facts: other bridges come and go between the two runs.
  const steady = (out: string) => out.replace(/"hostAddresses": \[[^\]]*\]/, '"hostAddresses": "…"');
  expect(steady(underDeno.stdout)).toContain('"hostAddresses": "…"');
  expect(steady(underDeno.stdout)).toBe(steady(underBun.stdout));
});

test("deno renders the same Smolfile and reports errors with the same exit code", () => {
  const denoHome = tempDir("home");
  const bunHome = tempDir("home");
  const deno = (args: string[]) => spawn([DENO, "run", "--allow-all", "--no-prompt", "src/main.ts", ...args], { cwd: ROOT, env: env() });
  expect(deno(["--home", denoHome, "render", "examples/bottle.toml"]).code).toBe(0);
  spawn([join(BIN, "bun"), "src/main.ts", "--home", bunHome, "render", "examples/bottle.toml"], { cwd: ROOT, env: env() });
  const smolfile = (home: string) => readFileSync(join(home, "bottles/demo/Smolfile"), "utf8");
  expect(smolfile(denoHome)).toBe(smolfile(bunHome));
  expect(deno(["plan", "no-such.toml"]).code).toBe(78);
});

test("the bundle serves under deno too: a denied request gets the 403, health answers", async () => {
  const { spawn: spawnAsync } = await import("node:child_process");
  const { writeFileSync } = await import("node:fs");
  const dir = tempDir("deno-bundle");
  writeFileSync(join(dir, "supervise.token"), "t".repeat(64));
  writeFileSync(join(dir, "bundle.json"), JSON.stringify({ version: 1, bottle: "d", bundleIp: "127.0.0.1", subnet: "192.0.2.0/24", listen: "127.0.0.1", ports: { proxy: 0, gitGate: 0, supervise: 0, dns: 0 }, allow: [] }));
  const child = spawnAsync(DENO, ["run", "--allow-all", "--no-prompt", "src/main.ts", "bundle", "serve", "--config", join(dir, "bundle.json")], { cwd: ROOT, env: env() });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const ports = await new Promise<{ proxy: number; supervise: number }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const line = out.split("\n").find((l) => l.includes('"listening"'));
        if (line) resolve(JSON.parse(line).ports);
      });
      child.on("close", (code) => reject(new Error(`deno exited ${code}`)));
    });
    const denied = await fetch("http://evil.example/x", { proxy: `http://127.0.0.1:${ports.proxy}` } as RequestInit);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain("claude-bottle blocked GET evil.example:80");
    expect(await (await fetch(`http://127.0.0.1:${ports.supervise}/healthz`)).text()).toBe("ok\n");
  } finally {
    child.kill("SIGTERM");
    // A bundle that ignored SIGTERM would outlive the test: kill it, and the exit code says so.
    const stuck = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(stuck);
  }
  expect(await exited).toBe(0);
}, 30_000);
