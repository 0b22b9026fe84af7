/** Asking the installed smolvm what it is. Read-only. */
import type { Runner, RunResult } from "../../core/runner.ts";
import { formatSemver, parseSmolvmVersion, type Semver } from "./version.ts";

export type SmolvmProbe =
  | { readonly state: "missing" }
  | { readonly state: "broken"; readonly result: RunResult }
  | { readonly state: "unparseable"; readonly output: string }
  | { readonly state: "found"; readonly version: Semver };

export async function probeSmolvm(runner: Runner): Promise<SmolvmProbe> {
  const result = await runner.run(["smolvm", "--version"], { timeoutMs: 15_000 });
  if (result.spawnError === "ENOENT") return { state: "missing" };
  if (result.exitCode !== 0) return { state: "broken", result };
  const version = parseSmolvmVersion(result.stdout);
  return version ? { state: "found", version } : { state: "unparseable", output: result.stdout.trim() };
}

/** The `facts` phase: the smolvm version, when one answers. */
export async function smolvmFacts(runner: Runner): Promise<Record<string, string>> {
  const probe = await probeSmolvm(runner);
  return probe.state === "found" ? { smolvmVersion: formatSemver(probe.version) } : {};
}
