/** `ls`: every bottle of this home with its recorded and live state. Read-only. */
import { listStates } from "../core/state.ts";
import { labelledContainersArgv, parseLabelledContainers } from "../bundle/docker-argv.ts";
import type { BasePlan } from "../plugins/types.ts";
import type { LifecycleContext } from "./context.ts";

export interface BottleRow {
  readonly name: string;
  readonly backend: string;
  readonly isolation: string;
  readonly status: string;
  readonly bundle: string;
  readonly agent: string;
  readonly bundleIp: string;
  readonly createdAt: string;
  readonly manifestPath: string;
}

async function bundleStates(ctx: LifecycleContext): Promise<Map<string, string>> {
  const result = await ctx.deps.runner.run(labelledContainersArgv(ctx.home), { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return new Map();
  return new Map(parseLabelledContainers(result.stdout).map((container) => [container.name, container.state]));
}

export async function listBottles(ctx: LifecycleContext): Promise<BottleRow[]> {
  const states = await listStates(ctx.deps.fs, ctx.home);
  if (states.length === 0) return [];
  const containers = await bundleStates(ctx);
  const agentStates = new Map<string, string>();
  for (const backend of ctx.registry.list()) {
    const plans = states.filter((state) => state.backend === backend.name).map((state) => state.plan);
    if (plans.length > 0 && backend.inspect) for (const [slug, live] of await backend.inspect(plans, ctx.deps)) agentStates.set(slug, live);
  }
  return states.map((state) => {
    const plan = state.plan as BasePlan & { bundle?: { containerName?: string } };
    return {
      name: state.slug,
      backend: state.backend,
      isolation: plan.isolation,
      status: state.status,
      bundle: containers.get(plan.bundle?.containerName ?? "") ?? "absent",
      agent: agentStates.get(state.slug) ?? "unknown",
      bundleIp: plan.bundleIp,
      createdAt: state.createdAt,
      manifestPath: state.manifestPath,
    };
  });
}
