/** Runs a real process for integration and e2e tests. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

export const ROOT = join(import.meta.dir, "../..");
export const BIN = join(ROOT, "node_modules/.bin");
/**
 * The deno executable itself. node_modules/.bin/deno is a node shim that runs it as a child:
 * killing the shim orphans deno (every run of the bundle test used to leave one behind).
 */
export const DENO = join(ROOT, "node_modules/@deno/linux-x64-glibc/deno");

export interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

export function spawn(argv: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Spawned {
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: options.cwd ?? ROOT, env: options.env ?? { PATH: process.env["PATH"] ?? "" }, input: options.input ?? "", encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr };
}

let compiled: string | undefined;

/** The linux-x64 binary, compiled once per test process into a temp dir. */
export function compileLinuxBinary(): string {
  if (compiled) return compiled;
  const out = mkdtempSync(join(tmpdir(), "cb-dist-"));
  const built = spawn([join(BIN, "bun"), "scripts/compile.ts", "--target", "linux-x64", "--out", out]);
  if (built.code !== 0) throw new Error(`compile failed: ${built.stderr}`);
  compiled = join(out, "claude-bottle-linux-x64");
  process.once("exit", () => rmSync(out, { recursive: true, force: true }));
  return compiled;
}
