/** Asking the installed smolvm what it is: the backend's one host probe. Read-only. */
import type { Runner } from "../../core/runner.ts";
import { parseSmolvmVersion, type Semver } from "./version.ts";

export type SmolvmProbe =
  | { readonly state: "missing" }
  | { readonly state: "broken"; readonly exitCode: number; readonly stderr: string }
  | { readonly state: "unparseable"; readonly output: string }
  | { readonly state: "found"; readonly version: Semver };

/** The `facts` phase: what `smolvm --version` says, run once per command. */
export async function probeSmolvm(runner: Runner): Promise<SmolvmProbe> {
  const result = await runner.run(["smolvm", "--version"], { timeoutMs: 15_000 });
  if (result.spawnError === "ENOENT") return { state: "missing" };
  if (result.exitCode !== 0) return { state: "broken", exitCode: result.exitCode, stderr: result.stderr };
  const version = parseSmolvmVersion(result.stdout);
  return version ? { state: "found", version } : { state: "unparseable", output: result.stdout.trim() };
}
