/**
 * `gc`: find resources of this home (docker containers and networks by label, agent-side
 * resources by name prefix) that no bottle's state owns — left by a SIGKILL or a reboot — and
 * remove them. Anything not carrying this home's label or prefix is never looked at twice.
 */
import { listStates, type BottleState } from "../core/state.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";
import type { AnyBackend } from "../plugins/types.ts";
import type { Leftover } from "../core/step.ts";
import { dockerLeftovers } from "../bundle/docker-placement.ts";
import type { LifecycleContext } from "./context.ts";
import { orphanKeepers, stopKeeper } from "./keeper.ts";

export interface GcResult {
  readonly found: readonly Leftover[];
  readonly removed: readonly Leftover[];
  readonly failed: readonly { readonly leftover: Leftover; readonly error: string }[];
  /** Backends that could not say what they left (a broken plugin): the rest is still collected. */
  readonly unsearched: readonly { readonly backend: string; readonly error: string }[];
}

/**
 * Every backend that may have left something: the registry's (built-ins and the plugins found in
 * the plugin directories) and those the recorded bottles were made with, loaded from their files.
 */
async function knownBackends(ctx: LifecycleContext, states: readonly BottleState[]): Promise<AnyBackend[]> {
  const recorded = await Promise.all(states.map((state) => backendOfState(ctx.registry, state).catch(() => undefined)));
  const byName = new Map<string, AnyBackend>();
  for (const backend of [...ctx.registry.list(), ...recorded]) if (backend && !byName.has(backend.name)) byName.set(backend.name, backend);
  return [...byName.values()];
}

type Searched = { readonly found: Leftover[] } | { readonly backend: string; readonly error: string };

/** One backend's leftovers, its own facts probed once for them; a failure is reported, not fatal. */
async function backendLeftovers(ctx: LifecycleContext, backend: AnyBackend): Promise<Searched> {
  if (!backend.leftovers) return { found: [] };
  try {
    const facts = backend.facts ? await backend.facts(ctx.deps) : undefined;
    return { found: await backend.leftovers(ctx.home, ctx.deps, facts) };
  } catch (error) {
    return { backend: backend.name, error: (error as Error).message ?? String(error) };
  }
}

/** One entry per resource: a plugin may also report a labelled container the core finds itself. */
function uniqueLeftovers(all: readonly Leftover[]): Leftover[] {
  const byKey = new Map<string, Leftover>();
  for (const leftover of all) {
    const key = `${leftover.kind}\0${leftover.name}`;
    if (!byKey.has(key)) byKey.set(key, leftover);
  }
  return [...byKey.values()];
}

/** Keepers whose bottle is gone: stopped (pid + start time checked), their records removed. */
async function orphanedKeepers(ctx: LifecycleContext, owned: ReadonlySet<string>, dryRun: boolean): Promise<Leftover[]> {
  const found: Leftover[] = [];
  if (!ctx.processes) return found;
  for (const orphan of await orphanKeepers(ctx, owned)) {
    const alive = await ctx.processes.alive(orphan.keeper);
    if (alive) found.push({ kind: "keeper", name: `process ${orphan.keeper.pid}`, slug: orphan.slug, removeArgvs: [] });
    if (dryRun) continue;
    if (alive) await stopKeeper(ctx, orphan.keeper);
    await ctx.deps.fs.remove(orphan.path);
  }
  return found;
}

export async function gcBottles(ctx: LifecycleContext, dryRun: boolean): Promise<GcResult> {
  const states = await listStates(ctx.deps.fs, ctx.home);
  const owned = new Set(states.map((state) => state.slug));
  const keepers = await orphanedKeepers(ctx, owned, dryRun);
  const backends = await knownBackends(ctx, states);
  const searched = await Promise.all(backends.map((backend) => backendLeftovers(ctx, backend)));
  const agentSide = searched.flatMap((answer) => ("found" in answer ? answer.found : []));
  const unsearched = searched.flatMap((answer) => ("found" in answer ? [] : [answer]));
  const all = uniqueLeftovers([...agentSide, ...(await dockerLeftovers(ctx.home, ctx.deps))]);
  // Containers before networks: a network with a container attached cannot be removed.
  const order = (leftover: Leftover) => (leftover.kind === "network" ? 1 : 0);
  const found = all.filter((leftover) => !leftover.slug || !owned.has(leftover.slug)).sort((a, b) => order(a) - order(b));
  const removed: Leftover[] = [];
  const failed: { leftover: Leftover; error: string }[] = [];
  if (dryRun) return { found: [...keepers, ...found], removed, failed, unsearched };
  removed.push(...keepers);
  for (const leftover of found) {
    let error: string | undefined;
    for (const argv of leftover.removeArgvs) {
      const result = await ctx.deps.runner.run(argv, { timeoutMs: 120_000 });
      if (result.exitCode !== 0 && argv === leftover.removeArgvs.at(-1)) error = result.stderr.trim() || `exit ${result.exitCode}`;
    }
    if (error) failed.push({ leftover, error });
    else removed.push(leftover);
  }
  return { found: [...keepers, ...found], removed, failed, unsearched };
}
