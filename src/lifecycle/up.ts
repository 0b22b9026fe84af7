/**
 * `up`: lock, plan (claiming a subnet under the home lock), preflight, render, run the steps
 * with a journal. Facts are read once and serve the plan and the preflight. Any failure or
 * interrupt undoes what was done and removes the bottle's files: a failed `up` leaves nothing.
 */
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import { claimedSubnets } from "../core/bundle-plan.ts";
import { CLAIM_FILE, type Facts } from "../core/host-facts.ts";
import { runSteps } from "../core/lifecycle.ts";
import type { Bottle } from "../core/load-manifest.ts";
import type { Plan } from "../core/plan.ts";
import { bottleDir, readState, STATE_VERSION, writeState, type BottleState } from "../core/state.ts";
import type { Finding, PreflightOptions } from "../core/step.ts";
import { PRIVATE_DIR_MODE, writeRenderedFiles } from "../core/write-files.ts";
import { ensureBundleSecrets } from "../bundle/bundle-secrets.ts";
import type { AnyBackend } from "../plugins/types.ts";
import { resolveBackend } from "../plugins/resolve-backend.ts";
import { bottleFacts, bottleFiles, bottleFindings, bottleSteps, planBottle } from "./bottle.ts";
import type { LifecycleContext } from "./context.ts";
import { ensureBundleImage } from "./ensure-bundle-image.ts";
import { resolveBottleSecrets, writeBottleMaterial, type ResolvedSecrets } from "./credentials-up.ts";
import { bottleLockPath, subnetLockPath } from "./paths.ts";
import { startKeeper } from "./keeper.ts";

const plural = (n: number) => (n === 1 ? "" : "s");

export class PreflightFailed extends BottleError {
  constructor(
    readonly findings: readonly Finding[],
    slug: string,
  ) {
    const failed = findings.filter((finding) => finding.level === "fail");
    const lines = failed.map((f) => `  ${f.message} [${f.code}]\n    fix: ${f.fix ?? "-"}`).join("\n");
    super(
      "E_PREFLIGHT",
      `Cannot start bottle "${slug}": preflight found ${failed.length} problem${plural(failed.length)}\n${lines}`,
      {
        exitCode: EXIT.unavailable,
        hint: "fix these, then run claude-bottle up again (claude-bottle preflight rechecks)",
      },
    );
  }
}

interface Planned {
  readonly plan: Plan;
  readonly facts: Facts<unknown>;
}

async function planAndClaim(
  ctx: LifecycleContext,
  bottle: Bottle,
  backend: AnyBackend,
  secrets: ResolvedSecrets | undefined,
): Promise<Planned> {
  const release = await ctx.locks.acquire(subnetLockPath(ctx.home), "the subnet pool");
  try {
    const gathered = await bottleFacts(backend, bottle, ctx.deps, ctx);
    const facts = secrets ? { ...gathered, credentialShapes: secrets.shapes } : gathered;
    const plan = planBottle(backend, bottle, facts);
    await ctx.deps.fs.makeDir(plan.stateDir, PRIVATE_DIR_MODE);
    await ctx.deps.fs.writeAtomic(join(plan.stateDir, CLAIM_FILE), `${claimedSubnets(plan).join("\n")}\n`, 0o600);
    return { plan, facts };
  } finally {
    await release();
  }
}

async function refuseExisting(ctx: LifecycleContext, slug: string): Promise<void> {
  const existing = await readState(ctx.deps.fs, ctx.home, slug);
  if (!existing) return;
  const running = existing.status === "running";
  throw new BottleError(
    "E_BOTTLE_EXISTS",
    `Cannot start bottle "${slug}": it is already ${running ? "up" : `recorded as ${existing.status}`}`,
    {
      hint: running
        ? `claude-bottle attach ${slug}, or claude-bottle down ${slug} first`
        : `claude-bottle down ${slug} clears what is left`,
    },
  );
}

async function preflightOrRefuse(
  ctx: LifecycleContext,
  backend: AnyBackend,
  planned: Planned,
  options: PreflightOptions,
): Promise<void> {
  const findings = await bottleFindings(backend, planned.plan, planned.facts, ctx.deps, options);
  for (const finding of findings.filter((f) => f.level === "warn"))
    ctx.deps.log.warn(`${finding.message} [${finding.code}]`);
  if (findings.some((finding) => finding.level === "fail")) throw new PreflightFailed(findings, planned.plan.slug);
}

/** Files, secrets and the image are in place; the state is recorded; then the steps run. */
async function launch(
  ctx: LifecycleContext,
  backend: AnyBackend,
  planned: Planned & { secrets: ResolvedSecrets | undefined },
  bottle: Bottle,
  source: string,
): Promise<BottleState<Plan>> {
  const { plan } = planned;
  await ensureBundleImage(ctx, plan.bundle.image);
  await ensureBundleSecrets(ctx.deps.fs, plan);
  await writeBottleMaterial(ctx, plan, planned.secrets, bottle);
  await writeRenderedFiles(ctx.deps.fs, plan.stateDir, bottleFiles(backend, plan));
  const now = new Date().toISOString();
  const base = {
    version: STATE_VERSION,
    slug: plan.slug,
    backend: backend.name,
    manifestPath: bottle.manifestPath,
    backendSource: source,
  };
  let state: BottleState<Plan> = { ...base, status: "starting", plan, steps: [], createdAt: now, updatedAt: now };
  await writeState(ctx.deps.fs, ctx.home, state);
  const save = async (steps: BottleState["steps"]) =>
    writeState(ctx.deps.fs, ctx.home, (state = { ...state, steps, updatedAt: new Date().toISOString() }));
  await runSteps(bottleSteps(backend, plan), ctx.deps, { save });
  state = { ...state, status: "running", updatedAt: new Date().toISOString() };
  await writeState(ctx.deps.fs, ctx.home, state);
  return state;
}

/**
 * How many plans one `up` makes when the engine refuses the planned subnet as taken: the lock
 * is per home, so another home or user on the same engine can create a network on it between
 * our planning and our `docker network create`. Each new plan reads the engine's networks again.
 */
export const SUBNET_ATTEMPTS = 3;

interface Chosen {
  readonly backend: AnyBackend;
  readonly source: string;
  readonly bottle: Bottle;
  readonly secrets: ResolvedSecrets | undefined;
}

/** One plan and launch. A failure leaves nothing: the steps are undone and the files removed. */
async function attemptUp(ctx: LifecycleContext, chosen: Chosen, options: PreflightOptions): Promise<BottleState<Plan>> {
  const { backend, bottle, secrets } = chosen;
  let createdDir = false;
  try {
    const planned = await planAndClaim(ctx, bottle, backend, secrets);
    // From here the bottle's directory holds only what this `up` (or an earlier `render`)
    // wrote, all regenerable: a failed `up` removes it, so nothing is left.
    createdDir = true;
    await preflightOrRefuse(ctx, backend, planned, options);
    return await launch(ctx, backend, { ...planned, secrets }, bottle, chosen.source);
  } catch (error) {
    // Steps were undone by runSteps. If some undo failed, the journal still records what is
    // left, so the directory stays for `down` to finish; otherwise it goes too.
    const incomplete = error instanceof BottleError && error.code === "E_ROLLBACK_INCOMPLETE";
    if (createdDir && !incomplete) await ctx.deps.fs.remove(bottleDir(ctx.home, bottle.slug));
    throw error;
  }
}

export async function upBottle(
  ctx: LifecycleContext,
  bottle: Bottle,
  options: PreflightOptions,
): Promise<BottleState<Plan>> {
  const { backend, source } = await resolveBackend(ctx.registry, bottle);
  const release = await ctx.locks.acquire(bottleLockPath(ctx.home, bottle.slug), `bottle "${bottle.slug}"`);
  try {
    await refuseExisting(ctx, bottle.slug);
    // Secrets are read before anything is made: one that cannot be stops `up` with nothing to undo.
    const chosen = { backend, source, bottle, secrets: await resolveBottleSecrets(ctx, bottle) };
    for (let attempt = 1; ; attempt++) {
      try {
        return await startKeeper(ctx, await attemptUp(ctx, chosen, options));
      } catch (error) {
        const taken = error instanceof BottleError && error.code === "E_SUBNET_TAKEN";
        if (!taken || attempt === SUBNET_ATTEMPTS || ctx.deps.signal?.aborted) throw error;
        ctx.deps.log.warn(`${error.message}; planning again (${attempt + 1} of ${SUBNET_ATTEMPTS})`);
      }
    }
  } finally {
    await release();
  }
}
