/** The shared first half of plan/render/preflight/up: manifest → backend → facts → plan. */
import { loadManifest, DEFAULT_MANIFEST, type Bottle } from "../core/load-manifest.ts";
import { gatherHostFacts } from "../core/host-facts.ts";
import { resolveBackend } from "../plugins/resolve-backend.ts";
import type { Backend, BasePlan, HostFacts } from "../plugins/types.ts";
import { backendDeps, type CliContext } from "./context.ts";

export interface Prepared {
  readonly bottle: Bottle;
  readonly backend: Backend<BasePlan>;
  readonly facts: HostFacts;
  readonly plan: BasePlan;
}

export async function prepare(ctx: CliContext, manifestPath: string | undefined): Promise<Prepared> {
  const bottle = await loadManifest(ctx.fs, manifestPath ?? DEFAULT_MANIFEST, ctx.host.cwd);
  const { backend } = await resolveBackend(ctx.registry, bottle);
  const deps = backendDeps(ctx);
  const facts = await gatherHostFacts(
    deps,
    { home: ctx.home, platform: ctx.host.platform, arch: ctx.host.arch, user: ctx.host.user },
    backend.facts ? () => backend.facts!(deps) : undefined,
  );
  return { bottle, backend, facts, plan: backend.plan(bottle, facts) };
}
