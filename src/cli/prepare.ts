/** The shared first half of plan/render/preflight: manifest → backend → facts (once) → plan. */
import { loadManifest, DEFAULT_MANIFEST, type Bottle } from "../core/load-manifest.ts";
import type { Facts } from "../core/host-facts.ts";
import type { Plan } from "../core/plan.ts";
import { resolveBackend } from "../plugins/resolve-backend.ts";
import type { AnyBackend } from "../plugins/types.ts";
import { bottleFacts, planBottle } from "../lifecycle/bottle.ts";
import { backendDeps, type CliContext } from "./context.ts";

export interface Prepared {
  readonly bottle: Bottle;
  readonly backend: AnyBackend;
  readonly facts: Facts<unknown>;
  readonly plan: Plan;
}

export async function prepare(ctx: CliContext, manifestPath: string | undefined): Promise<Prepared> {
  const bottle = await loadManifest(ctx.fs, manifestPath ?? DEFAULT_MANIFEST, ctx.host.cwd);
  const { backend } = await resolveBackend(ctx.registry, bottle);
  const facts = await bottleFacts(backend, bottle, backendDeps(ctx), ctx);
  return { bottle, backend, facts, plan: planBottle(backend, bottle, facts) };
}
