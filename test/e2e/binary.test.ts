/**
 * The compiled linux-x64 binary, run with an empty PATH and a clean environment: no node, bun
 * or deno to lean on, nothing beside it to read.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { tempDir } from "../helpers/cli.ts";
import { BIN, ROOT, spawn } from "../helpers/spawn.ts";

let binary = "";
let emptyPath = "";

beforeAll(() => {
  const out = tempDir("dist");
  const built = spawn([join(BIN, "bun"), "scripts/compile.ts", "--target", "linux-x64", "--out", out], { env: { PATH: process.env["PATH"] ?? "" } });
  expect(built.code).toBe(0);
  expect(readFileSync(join(out, "SHA256SUMS"), "utf8")).toMatch(/^[0-9a-f]{64} {2}claude-bottle-linux-x64\n$/);
  // Run it from a directory of its own, away from the sources and node_modules.
  const lonely = tempDir("lonely");
  binary = join(lonely, "claude-bottle");
  copyFileSync(join(out, "claude-bottle-linux-x64"), binary);
  spawn(["chmod", "755", binary]);
  emptyPath = tempDir("empty-path");
}, 120_000);

function cb(args: string[], cwd: string) {
  return spawn([binary, ...args], { cwd, env: { PATH: emptyPath, HOME: cwd } });
}

describe("compiled binary", () => {
  test("--version, plan and render work with nothing else installed", () => {
    const cwd = tempDir("e2e");
    mkdirSync(join(cwd, "p"));
    writeFileSync(join(cwd, "p/bottle.toml"), 'name = "e2e"\n[agent.env]\nNOTE = "ünïcode \\"quoted\\""\n');
    expect(cb(["--version"], cwd)).toEqual({ code: 0, stdout: "claude-bottle 0.1.0\n", stderr: "" });
    const plan = cb(["--home", "state", "plan", "p/bottle.toml", "--json"], cwd);
    expect(plan.code).toBe(0);
    const parsed = JSON.parse(plan.stdout);
    expect(parsed.smolfilePath).toBe(join(cwd, "state/bottles/e2e/Smolfile"));
    const render = cb(["--home", "state", "render", "p/bottle.toml"], cwd);
    expect(render.code).toBe(0);
    const smolfile = parse(readFileSync(parsed.smolfilePath, "utf8")) as { env: string[] };
    expect(smolfile.env).toContain('NOTE=ünïcode "quoted"');
  });

  test("errors keep their exit codes in the binary", () => {
    const cwd = tempDir("e2e");
    writeFileSync(join(cwd, "bottle.toml"), 'name = "BAD"\n');
    expect(cb(["plan"], cwd).code).toBe(78);
    expect(cb(["nonsense"], cwd).code).toBe(64);
    const preflight = cb(["preflight"], cwd);
    writeFileSync(join(cwd, "bottle.toml"), 'name = "ok"\n');
    expect(cb(["preflight"], cwd).stdout).toContain("smolvm is not on PATH [SMOLVM_MISSING]");
    expect(preflight.code).toBe(78);
  });

  test("init writes the starter from constants inside the binary", () => {
    const cwd = tempDir("e2e");
    expect(cb(["init"], cwd).code).toBe(0);
    expect(readFileSync(join(cwd, "bottle.toml"), "utf8")).toContain('backend = "smolmachines"');
  });
});

test("the repository's example still plans from source (guards the README's first command)", () => {
  const result = spawn([join(BIN, "bun"), "src/main.ts", "--home", tempDir("h"), "plan", "examples/bottle.toml", "--json"], { cwd: ROOT });
  expect(result.code).toBe(0);
});
