/**
 * The plugin API ships as one generated, self-contained declaration file. A plugin written from
 * docs/plugins.md type-checks against that file alone, under strict options, with nothing but
 * the standard lib; the binary prints the same file; the committed copy is current.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePluginTypes } from "../../scripts/plugin-types.ts";
import { PLUGIN_TYPES } from "../../src/cli/plugin-types-text.ts";
import { runCli } from "../helpers/cli.ts";
import { BIN, ROOT, spawn } from "../helpers/spawn.ts";

// tsc and the declaration emit take seconds on a busy machine: no tighter bound than the harness's.
const SLOW = 300_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const STRICT = {
  target: "ES2022", module: "ESNext", moduleResolution: "bundler", strict: true, noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true, noImplicitOverride: true, noUnusedLocals: true, noUnusedParameters: true,
  noImplicitReturns: true, noPropertyAccessFromIndexSignature: true, skipLibCheck: false, noEmit: true,
  types: [], lib: ["ES2022", "DOM"],
};

/** Type-checks `plugin` against the generated file alone; tsc's exit code and output. */
function typeCheck(plugin: string) {
  const dir = mkdtempSync(join(tmpdir(), "cb-plugin-types-"));
  dirs.push(dir);
  writeFileSync(join(dir, "claude-bottle-plugin.d.ts"), PLUGIN_TYPES);
  writeFileSync(join(dir, "plugin.ts"), plugin);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: STRICT, files: ["claude-bottle-plugin.d.ts", "plugin.ts"] }));
  return spawn([join(BIN, "tsc"), "-p", dir], { env: { PATH: process.env["PATH"] ?? "" } });
}

const walkthrough = /```ts\n\/\/ local-docker\.ts\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, "docs/plugins.md"), "utf8"))![1]!;

test("the committed declaration file is what the generator makes now", () => {
  const fresh = generatePluginTypes();
  // Any change to a type a plugin sees (src/core, src/plugins/types.ts) changes the file.
  if (PLUGIN_TYPES !== fresh) throw new Error("src/cli/plugin-types-text.ts is stale: run node_modules/.bin/bun scripts/plugin-types.ts");
  expect(PLUGIN_TYPES).toBe(fresh);
}, SLOW);

test("it is self-contained: no module outside itself, no reference directives", () => {
  const modules = [...PLUGIN_TYPES.matchAll(/(?:from |import\()"([^"]+)"/g)].map((m) => m[1]!);
  expect(modules.filter((name) => !name.startsWith("claude-bottle/plugin"))).toEqual([]);
  expect(PLUGIN_TYPES).not.toContain("/// <reference");
});

test("the docs' walkthrough plugin type-checks against that file alone, strictly", () => {
  const result = typeCheck(walkthrough);
  expect(result.stdout + result.stderr).toBe("");
  expect(result.code).toBe(0);
}, SLOW);

test("a plugin written for API 1 does not: the check can fail", () => {
  const v1 = walkthrough.replace('network: { description: "isolated bridge shared with the bundle", isolated: true }', 'network: "a bridge"');
  const result = typeCheck(v1);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toContain("plugin.ts");
}, SLOW);

test("claude-bottle plugin types prints it", async () => {
  const result = await runCli(["plugin", "types"]);
  expect(result).toEqual({ code: 0, stdout: PLUGIN_TYPES, stderr: "" });
});
