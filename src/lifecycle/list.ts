/** `ls`: every bottle of this home with its recorded and live state. Read-only. */
import { listStates } from "../core/state.ts";
import { placementOf } from "../bundle/docker-placement.ts";
import type { Plan } from "../core/plan.ts";
import type { BottleState } from "../core/state.ts";
import type { AnyBackend } from "../plugins/types.ts";
import { recordedCorePlan, recordedPlan } from "./bottle.ts";
import type { LifecycleContext } from "./context.ts";
import { waitingPushes } from "../workspace/waiting.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";

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
  /** Pushes the agent made that `pull` has not brought in yet; null without a workspace. */
  readonly pushesWaiting: number | null;
  /** Set when a canary stopped the agent (on_canary = "stop"): the credential's name and when. */
  readonly stoppedBy?: { readonly canary: string; readonly at: string };
}

interface Recorded {
  readonly state: BottleState;
  /** Absent when the bottle's plugin cannot be loaded any more: listed, with its agent unknown. */
  readonly backend?: AnyBackend;
  readonly plan: Plan;
}

/** Each recorded bottle with its backend (found from its state) and its plan, current shape. */
async function recorded(ctx: LifecycleContext): Promise<Recorded[]> {
  const states = await listStates(ctx.deps.fs, ctx.home);
  return Promise.all(
    states.map(async (state): Promise<Recorded> => {
      const backend = await backendOfState(ctx.registry, state).catch(() => undefined);
      if (!backend) return { state, plan: { ...recordedCorePlan(state.plan), agent: undefined } };
      return { state, backend, plan: recordedPlan(backend, state.plan) };
    }),
  );
}

export async function listBottles(ctx: LifecycleContext): Promise<BottleRow[]> {
  const bottles = await recorded(ctx);
  if (bottles.length === 0) return [];
  const bundles = await placementOf(bottles[0]!.plan).inspect(
    ctx.home,
    bottles.map((b) => b.plan),
    ctx.deps,
  );
  const agentStates = new Map<string, string>();
  for (const backend of new Set(bottles.map((b) => b.backend))) {
    const plans = bottles.filter((b) => b.backend === backend).map((b) => b.plan);
    if (backend?.inspect)
      for (const [slug, live] of await backend.inspect(plans, ctx.deps)) agentStates.set(slug, live);
  }
  const waiting = await Promise.all(bottles.map(({ plan }) => (plan.workspace ? waitingPushes(ctx.deps.fs, plan.workspace) : null)));
  return bottles.map(({ state, plan }, index) => ({
    name: state.slug,
    backend: state.backend,
    isolation: plan.isolation,
    status: state.status,
    bundle: bundles.get(state.slug) ?? "absent",
    agent: agentStates.get(state.slug) ?? "unknown",
    bundleIp: plan.bundleIp,
    createdAt: state.createdAt,
    manifestPath: state.manifestPath,
    pushesWaiting: waiting[index] ?? null,
    ...(state.stoppedBy ? { stoppedBy: state.stoppedBy } : {}),
  }));
}
