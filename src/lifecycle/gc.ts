/**
 * `gc`: find resources of this home (docker containers and networks by label, agent-side
 * resources by name prefix) that no bottle's state owns — left by a SIGKILL or a reboot — and
 * remove them. Anything not carrying this home's label or prefix is never looked at twice.
 */
import { listStates } from "../core/state.ts";
import type { Leftover } from "../core/step.ts";
import { dockerLeftovers } from "../bundle/docker-placement.ts";
import type { LifecycleContext } from "./context.ts";

export interface GcResult {
  readonly found: readonly Leftover[];
  readonly removed: readonly Leftover[];
  readonly failed: readonly { readonly leftover: Leftover; readonly error: string }[];
}

export async function gcBottles(ctx: LifecycleContext, dryRun: boolean): Promise<GcResult> {
  const owned = new Set((await listStates(ctx.deps.fs, ctx.home)).map((state) => state.slug));
  const agentSide = await Promise.all(ctx.registry.list().map((backend) => backend.leftovers?.(ctx.home, ctx.deps) ?? Promise.resolve([])));
  const all = [...agentSide.flat(), ...(await dockerLeftovers(ctx.home, ctx.deps))];
  // Containers before networks: a network with a container attached cannot be removed.
  const order = (leftover: Leftover) => (leftover.kind === "network" ? 1 : 0);
  const found = all.filter((leftover) => !leftover.slug || !owned.has(leftover.slug)).sort((a, b) => order(a) - order(b));
  const removed: Leftover[] = [];
  const failed: { leftover: Leftover; error: string }[] = [];
  if (dryRun) return { found, removed, failed };
  for (const leftover of found) {
    let error: string | undefined;
    for (const argv of leftover.removeArgvs) {
      const result = await ctx.deps.runner.run(argv, { timeoutMs: 120_000 });
      if (result.exitCode !== 0 && argv === leftover.removeArgvs.at(-1)) error = result.stderr.trim() || `exit ${result.exitCode}`;
    }
    if (error) failed.push({ leftover, error });
    else removed.push(leftover);
  }
  return { found, removed, failed };
}
