/**
 * The agents' kept homes of a state home (`[agent] persist_home`): listed by `gc` (kept on
 * purpose, never collected) and removed by `down --purge NAME` only.
 */
import { ensureSuccess } from "../core/runner.ts";
import type { BackendDeps } from "../core/deps.ts";
import { keptHomeRemoveArgv, keptHomesListArgv } from "../core/kept-home.ts";

export interface KeptHome {
  readonly slug: string;
  /** The docker volume holding it. */
  readonly volume: string;
}

/** Read-only. No docker on this host: nothing kept. */
export async function listKeptHomes(home: string, deps: Pick<BackendDeps, "runner">): Promise<KeptHome[]> {
  const result = await deps.runner.run(keptHomesListArgv(home), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return [];
  return result.stdout.split("\n").filter(Boolean).map((line) => {
    const [volume = "", slug = ""] = line.split("\t");
    return { volume, slug };
  });
}

/** Removes the kept home of `slug` (the bottle is down by then); idempotent. Returns what it removed. */
export async function purgeKeptHome(home: string, slug: string, deps: Pick<BackendDeps, "runner">): Promise<KeptHome[]> {
  const kept = (await listKeptHomes(home, deps)).filter((entry) => entry.slug === slug);
  for (const entry of kept) {
    ensureSuccess(await deps.runner.run(keptHomeRemoveArgv(entry.volume), { timeoutMs: 60_000 }), `remove docker volume ${entry.volume}`);
  }
  return kept;
}
