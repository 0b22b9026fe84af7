/**
 * Starting and stopping a bottle's host keeper (keeper-run.ts). `up` starts it detached, from
 * this very program (`claude-bottle keeper NAME`), with its output in a 0600 log in the state
 * dir, and records its pid + start time in the state; `down` stops it first; `gc` stops one
 * whose bottle is gone (a keeper also exits by itself once its bottle's state is removed).
 */
import { join } from "node:path";
import type { ProcessRecord, Processes } from "../core/processes.ts";
import { KEEPER_HEARTBEAT_FILE } from "../workspace/keeper-files.ts";
import { writeState, type BottleState } from "../core/state.ts";
import { recordedCorePlan } from "./bottle.ts";
import type { LifecycleContext } from "./context.ts";
import { keepersDir } from "./paths.ts";

export const KEEPER_LOG_FILE = "keeper.log";

/** Whether a bottle needs a keeper: it has a workspace, or a canary must stop it. Pure. */
export function needsKeeper(state: BottleState): boolean {
  const plan = recordedCorePlan(state.plan);
  return plan.workspace !== undefined || plan.bundle.inspection?.onCanary === "stop";
}

/** The keeper's command line: this program and the same home (a plugin backend is found from the state). Pure. */
export function keeperArgv(selfArgv: readonly string[], home: string, slug: string): string[] {
  return [...selfArgv, "--home", home, "keeper", slug];
}

/**
 * Starts the keeper and records it. Without the power to (in-process tests) or on failure, the
 * bottle runs without one: pushes are then imported on `pull`/`down`, which is said.
 */
export async function startKeeper<S extends BottleState>(ctx: LifecycleContext, state: S): Promise<S> {
  const processes = ctx.processes;
  if (!processes || !needsKeeper(state)) return state;
  const plan = recordedCorePlan(state.plan);
  try {
    const keeper = await processes.spawnDetached(keeperArgv(processes.selfArgv, ctx.home, state.slug), {
      logPath: join(plan.stateDir, KEEPER_LOG_FILE),
      env: ctx.host.env,
      cwd: plan.stateDir,
    });
    const next = { ...state, keeper, updatedAt: new Date().toISOString() };
    await writeState(ctx.deps.fs, ctx.home, next);
    if (plan.workspace) await heartbeatSeen(ctx, processes, keeper, join(plan.workspace.quarantine, KEEPER_HEARTBEAT_FILE));
    return next;
  } catch (error) {
    ctx.deps.log.warn(`cannot start the host keeper of "${state.slug}": ${(error as Error).message}; pushes are imported on pull and down`);
    return state;
  }
}

/**
 * Waits (10 s at most) for the new keeper's first heartbeat, so a push made as soon as `up`
 * returns already gets the host's verdict. A keeper that exits or is slow is said, not fatal.
 */
async function heartbeatSeen(ctx: LifecycleContext, processes: Processes, keeper: ProcessRecord, path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let delay = 5; !(await ctx.deps.fs.exists(path)); delay = Math.min(delay * 2, 100)) {
    if (Date.now() > deadline || !(await processes.alive(keeper))) {
      const why = `see ${KEEPER_LOG_FILE} in the state dir`;
      ctx.deps.log.warn(`the host keeper has not started yet (${why}); until it does, pushes are imported on pull and down`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Stops the recorded keeper, if it still runs. Safe to repeat. */
export async function stopKeeper(ctx: LifecycleContext, keeper: ProcessRecord | undefined): Promise<void> {
  if (keeper && ctx.processes) await ctx.processes.stop(keeper, 15_000);
}

/** Keepers registered under this home whose bottle has no state any more. Read-only. */
export async function orphanKeepers(ctx: LifecycleContext, owned: ReadonlySet<string>): Promise<{ slug: string; keeper: ProcessRecord; path: string }[]> {
  const dir = keepersDir(ctx.home);
  if (!(await ctx.deps.fs.exists(dir))) return [];
  const found = [];
  for (const name of await ctx.deps.fs.listDir(dir)) {
    const slug = name.endsWith(".json") ? name.slice(0, -5) : undefined;
    if (slug === undefined || owned.has(slug)) continue;
    const path = join(dir, name);
    const keeper = JSON.parse((await ctx.deps.fs.readTextIfExists(path)) ?? "{}") as ProcessRecord;
    found.push({ slug, keeper, path });
  }
  return found;
}
