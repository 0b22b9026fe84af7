/**
 * `up`: lock, plan (claiming a subnet under the home lock), preflight, render, run the steps
 * with a journal. Any failure or interrupt undoes what was done and removes the bottle's files:
 * a failed `up` leaves nothing behind.
 */
import { join } from "node:path";
import { BottleError } from "../core/errors.ts";
import { CLAIM_FILE, gatherHostFacts } from "../core/host-facts.ts";
import { runSteps } from "../core/lifecycle.ts";
import type { Bottle } from "../core/load-manifest.ts";
import { bottleDir, readState, writeState, type BottleState } from "../core/state.ts";
import { PRIVATE_DIR_MODE, writeRenderedFiles } from "../core/write-files.ts";
import { ensureBundleSecrets } from "../bundle/bundle-secrets.ts";
import { claimedSubnets, type BundlePlan } from "../bundle/bundle-plan.ts";
import type { Backend, BasePlan, Finding, PreflightOptions } from "../plugins/types.ts";
import type { LifecycleContext } from "./context.ts";
import { resolveBackend } from "../plugins/resolve-backend.ts";
import { ensureBundleImage } from "./ensure-bundle-image.ts";
import { bottleLockPath, subnetLockPath } from "./paths.ts";

export class PreflightFailed extends BottleError {
  constructor(readonly findings: readonly Finding[], slug: string) {
    const failed = findings.filter((finding) => finding.level === "fail");
    super("E_PREFLIGHT", `Cannot start bottle "${slug}": preflight found ${failed.length} problem${failed.length === 1 ? "" : "s"}\n${failed.map((f) => `  ${f.message} [${f.code}]\n    fix: ${f.fix ?? "-"}`).join("\n")}`, {
      exitCode: 69,
      hint: "fix these, then run claude-bottle up again (claude-bottle preflight rechecks)",
    });
  }
}

async function planAndClaim(ctx: LifecycleContext, bottle: Bottle, backend: Backend<BasePlan>): Promise<BasePlan> {
  const release = await ctx.locks.acquire(subnetLockPath(ctx.home), "the subnet pool");
  try {
    const facts = await gatherHostFacts(ctx.deps, { home: ctx.home, platform: ctx.host.platform, arch: ctx.host.arch, user: ctx.host.user }, backend.facts ? () => backend.facts!(ctx.deps) : undefined);
    const plan = backend.plan(bottle, facts);
    await ctx.deps.fs.makeDir(plan.stateDir, PRIVATE_DIR_MODE);
    await ctx.deps.fs.writeAtomic(join(plan.stateDir, CLAIM_FILE), `${claimedSubnets(plan as BasePlan & BundlePlan).join("\n")}\n`, 0o600);
    return plan;
  } finally {
    await release();
  }
}

export async function upBottle(ctx: LifecycleContext, bottle: Bottle, options: PreflightOptions): Promise<BottleState> {
  const { backend, source } = await resolveBackend(ctx.registry, bottle);
  const release = await ctx.locks.acquire(bottleLockPath(ctx.home, bottle.slug), `bottle "${bottle.slug}"`);
  let createdDir = false;
  try {
    const existing = await readState(ctx.deps.fs, ctx.home, bottle.slug);
    if (existing) {
      throw new BottleError("E_BOTTLE_EXISTS", `Cannot start bottle "${bottle.slug}": it is already ${existing.status === "running" ? "up" : `recorded as ${existing.status}`}`, {
        hint: existing.status === "running" ? `claude-bottle attach ${bottle.slug}, or claude-bottle down ${bottle.slug} first` : `claude-bottle down ${bottle.slug} clears what is left`,
      });
    }
    const plan = await planAndClaim(ctx, bottle, backend);
    // From here the bottle's directory holds only what this `up` (or an earlier `render`)
    // wrote, all regenerable: a failed `up` removes it, so nothing is left.
    createdDir = true;
    const findings = await backend.preflight(plan, ctx.deps, options);
    for (const finding of findings.filter((f) => f.level === "warn")) ctx.deps.log.warn(`${finding.message} [${finding.code}]`);
    if (findings.some((finding) => finding.level === "fail")) throw new PreflightFailed(findings, bottle.slug);
    await ensureBundleImage(ctx, (plan as BasePlan & BundlePlan).bundle.image);
    await ensureBundleSecrets(ctx.deps.fs, plan as BasePlan & BundlePlan);
    await writeRenderedFiles(ctx.deps.fs, plan.stateDir, backend.render(plan));
    const now = new Date().toISOString();
    let state: BottleState = { version: 1, slug: plan.slug, backend: backend.name, manifestPath: bottle.manifestPath, backendSource: source, status: "starting", plan, steps: [], createdAt: now, updatedAt: now };
    await writeState(ctx.deps.fs, ctx.home, state);
    const journal = { save: async (steps: BottleState["steps"]) => writeState(ctx.deps.fs, ctx.home, (state = { ...state, steps, updatedAt: new Date().toISOString() })) };
    await runSteps(backend.launch(plan), ctx.deps, journal);
    state = { ...state, status: "running", updatedAt: new Date().toISOString() };
    await writeState(ctx.deps.fs, ctx.home, state);
    return state;
  } catch (error) {
    // Steps were undone by runSteps. If some undo failed, the journal still records what is
    // left, so the directory stays for `down` to finish; otherwise it goes too.
    const incomplete = error instanceof BottleError && error.code === "E_ROLLBACK_INCOMPLETE";
    if (createdDir && !incomplete) await ctx.deps.fs.remove(bottleDir(ctx.home, bottle.slug));
    throw error;
  } finally {
    await release();
  }
}
