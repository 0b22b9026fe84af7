/**
 * The agents' kept homes of a state home (`[agent] persist_home`): listed by `gc` (kept on
 * purpose, never collected) and removed by `down --purge NAME` only.
 */
import { ensureSuccess } from "../core/runner.ts";
import type { BackendDeps } from "../core/deps.ts";
import { isSlug } from "../core/slug.ts";
import { keptHomeDir, keptHomeRemoveArgv, keptHomesDir, keptHomesListArgv } from "../core/kept-home.ts";

export interface KeptHome {
  readonly slug: string;
  /** A docker volume (docker) or a host directory (smolmachines). */
  readonly kind: "docker volume" | "directory";
  /** The volume's name or the directory's path. */
  readonly where: string;
}

type Deps = Pick<BackendDeps, "runner" | "fs">;

/** Read-only. No docker on this host: no kept volumes. */
async function keptVolumes(home: string, deps: Deps): Promise<KeptHome[]> {
  const result = await deps.runner.run(keptHomesListArgv(home), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return [];
  return result.stdout.split("\n").filter(Boolean).map((line) => {
    const [volume = "", slug = ""] = line.split("\t");
    return { slug, kind: "docker volume" as const, where: volume };
  });
}

/** Read-only: the directories under `kept-homes/` named like a bottle. */
async function keptDirectories(home: string, deps: Deps): Promise<KeptHome[]> {
  if (!(await deps.fs.exists(keptHomesDir(home)))) return [];
  const names = (await deps.fs.listDir(keptHomesDir(home))).filter(isSlug).sort();
  return names.map((slug) => ({ slug, kind: "directory" as const, where: keptHomeDir(home, slug) }));
}

export async function listKeptHomes(home: string, deps: Deps): Promise<KeptHome[]> {
  return [...(await keptVolumes(home, deps)), ...(await keptDirectories(home, deps))];
}

/** Removes the kept home of `slug` (the bottle is down by then); idempotent. Returns what it removed. */
export async function purgeKeptHome(home: string, slug: string, deps: Deps): Promise<KeptHome[]> {
  const kept = (await listKeptHomes(home, deps)).filter((entry) => entry.slug === slug);
  for (const entry of kept) {
    if (entry.kind === "directory") await deps.fs.remove(entry.where);
    else ensureSuccess(await deps.runner.run(keptHomeRemoveArgv(entry.where), { timeoutMs: 60_000 }), `remove docker volume ${entry.where}`);
  }
  return kept;
}
