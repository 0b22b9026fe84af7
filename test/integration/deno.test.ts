/** The same sources under Deno: plan and render agree byte for byte with Bun. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/cli.ts";
import { BIN, ROOT, spawn } from "../helpers/spawn.ts";

const env = () => ({ PATH: process.env["PATH"] ?? "", HOME: tempDir("denohome"), DENO_NO_UPDATE_CHECK: "1" });

test("deno run gives the same plan as bun", () => {
  const home = tempDir("home");
  const args = ["--home", home, "plan", "examples/bottle.toml", "--json"];
  const underDeno = spawn([join(BIN, "deno"), "run", "--allow-all", "--no-prompt", "src/main.ts", ...args], { cwd: ROOT, env: env() });
  const underBun = spawn([join(BIN, "bun"), "src/main.ts", ...args], { cwd: ROOT, env: env() });
  expect(underDeno.stderr).toBe("");
  expect(underDeno.code).toBe(0);
  expect(underDeno.stdout).toBe(underBun.stdout);
});

test("deno renders the same Smolfile and reports errors with the same exit code", () => {
  const denoHome = tempDir("home");
  const bunHome = tempDir("home");
  const deno = (args: string[]) => spawn([join(BIN, "deno"), "run", "--allow-all", "--no-prompt", "src/main.ts", ...args], { cwd: ROOT, env: env() });
  expect(deno(["--home", denoHome, "render", "examples/bottle.toml"]).code).toBe(0);
  spawn([join(BIN, "bun"), "src/main.ts", "--home", bunHome, "render", "examples/bottle.toml"], { cwd: ROOT, env: env() });
  const smolfile = (home: string) => readFileSync(join(home, "bottles/demo/Smolfile"), "utf8");
  expect(smolfile(denoHome)).toBe(smolfile(bunHome));
  expect(deno(["plan", "no-such.toml"]).code).toBe(78);
});
