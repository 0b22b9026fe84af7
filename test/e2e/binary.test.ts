/**
 * The compiled linux-x64 binary, run with an empty PATH and a clean environment: no node, bun
 * or deno to lean on, nothing beside it to read.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "smol-toml";
import { tempDir } from "../helpers/cli.ts";
import { BIN, compileLinuxBinary, ROOT, spawn } from "../helpers/spawn.ts";
import { PLUGIN_TYPES } from "../../src/cli/plugin-types-text.ts";

let binary = "";
let emptyPath = "";

let lonely = "";

beforeAll(() => {
  const built = compileLinuxBinary();
  const sums = readFileSync(join(dirname(built), "SHA256SUMS"), "utf8");
  expect(sums).toMatch(/^[0-9a-f]{64} {2}claude-bottle-linux-x64\n[0-9a-f]{64} {2}claude-bottle-plugin\.d\.ts\n$/);
  // The release carries the plugin types beside the binary: the file the binary prints.
  expect(readFileSync(join(dirname(built), "claude-bottle-plugin.d.ts"), "utf8")).toBe(PLUGIN_TYPES);
  // Run it from a directory of its own, away from the sources and node_modules. Not a tempDir():
  // those are removed after each test.
  lonely = mkdtempSync(join(tmpdir(), "cb-lonely-"));
  binary = join(lonely, "claude-bottle");
  copyFileSync(built, binary);
  chmodSync(binary, 0o755);
  emptyPath = join(lonely, "empty-path");
  mkdirSync(emptyPath);
}, 120_000);

afterAll(() => rmSync(lonely, { recursive: true, force: true }));

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
    const missing = cb(["preflight"], cwd);
    expect(missing.stdout).toContain("smolvm is not on PATH [SMOLVM_MISSING]");
    expect(missing.stdout).toContain("preflight failed:");
    expect(missing.code).toBe(69);
    expect(preflight.code).toBe(78);
  });

  test("init writes the starter from constants inside the binary", () => {
    const cwd = tempDir("e2e");
    expect(cb(["init"], cwd).code).toBe(0);
    expect(readFileSync(join(cwd, "bottle.toml"), "utf8")).toContain('backend = "smolmachines"');
  });
});

describe("plugins through the compiled binary (no bun, node or deno on PATH)", () => {
  test("the example plugin from examples/plugins loads, lists, and plans a bottle", () => {
    const cwd = tempDir("e2e-plugin");
    mkdirSync(join(cwd, "backends"));
    copyFileSync(join(ROOT, "examples/plugins/docker-gvisor.ts"), join(cwd, "backends/docker-gvisor.ts"));
    const listed = JSON.parse(cb(["--plugin", "backends/docker-gvisor.ts", "backends", "--json"], cwd).stdout);
    expect(listed.find((b: { name: string }) => b.name === "docker-gvisor")).toMatchObject({ status: "ok", source: join(cwd, "backends/docker-gvisor.ts"), isolation: "container-gvisor" });
    writeFileSync(join(cwd, "bottle.toml"), 'name = "gv"\nbackend = "./backends/docker-gvisor.ts"\n');
    const plan = cb(["--home", "state", "plan", "--json"], cwd);
    expect(plan.stderr).toBe("");
    expect(JSON.parse(plan.stdout)).toMatchObject({ backend: "docker-gvisor", isolation: "container-gvisor", slug: "gv" });
    const preflight = cb(["--home", "state", "preflight"], cwd);
    expect(preflight.code).toBe(69);
    expect(preflight.stdout).toContain("[RUNSC_MISSING]");
  });

  test("broken plugins are reported, and the binary keeps working", () => {
    const cwd = tempDir("e2e-broken");
    const result = spawn([binary, "backends"], { cwd, env: { PATH: emptyPath, HOME: cwd, CLAUDE_BOTTLE_PLUGINS: join(ROOT, "test/fixtures/plugins") } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("BROKEN");
    expect(result.stdout).toContain("import failed: cannot find my config");
    expect(result.stdout).toContain("smolmachines");
  });

  test("a plugin with a syntax error is reported at file:line:column", () => {
    const cwd = tempDir("e2e-syntax");
    writeFileSync(join(cwd, "bad.ts"), 'export default {\n  name: "syn",\n  apiVersion: 2,,\n};\n');
    const result = cb(["--plugin", "bad.ts", "backends"], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`import failed: ${join(cwd, "bad.ts")}:3:17: Expected identifier but found ","`);
  });
});

test("the repository's example still plans from source (guards the README's first command)", () => {
  const result = spawn([join(BIN, "bun"), "src/main.ts", "--home", tempDir("h"), "plan", "examples/bottle.toml", "--json"], { cwd: ROOT });
  expect(result.code).toBe(0);
});
