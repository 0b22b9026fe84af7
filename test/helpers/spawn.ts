/** Runs a real process for integration and e2e tests. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "../..");
export const BIN = join(ROOT, "node_modules/.bin");

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
