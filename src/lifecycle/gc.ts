/**
 * `gc`: find resources of this home (docker containers and networks by label, agent-side
 * resources by name prefix) that no bottle's state owns — left by a SIGKILL or a reboot — and
 * remove them. Anything not carrying this home's label or prefix is never looked at twice.
 */
import { containerRemoveArgv, labelledContainersArgv, labelledNetworksArgv, networkRemoveArgv, parseLabelledContainers } from "../bundle/docker-argv.ts";
import { listStates } from "../core/state.ts";
import { ensureSuccess } from "../core/runner.ts";
import type { BackendDeps, Leftover } from "../plugins/types.ts";
import type { LifecycleContext } from "./context.ts";

export async function dockerLeftovers(home: string, deps: BackendDeps): Promise<Leftover[]> {
  const containers = await deps.runner.run(labelledContainersArgv(home), { timeoutMs: 30_000 });
  const networks = await deps.runner.run(labelledNetworksArgv(home), { timeoutMs: 30_000 });
  if (containers.spawnError || networks.spawnError) return [];
  ensureSuccess(containers, "list claude-bottle containers");
  ensureSuccess(networks, "list claude-bottle networks");
  return [
    ...parseLabelledContainers(containers.stdout).map(({ name, slug }): Leftover => ({ kind: "container", name, slug, removeArgvs: [containerRemoveArgv(name)] })),
    ...networks.stdout.split("\n").filter(Boolean).map((line): Leftover => {
      const [name = "", slug = ""] = line.split("\t");
      return { kind: "network", name, slug, removeArgvs: [networkRemoveArgv(name)] };
    }),
  ];
}

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
