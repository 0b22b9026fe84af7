/**
 * `claude-bottle keeper NAME`: the host keeper `up` starts for a bottle, detached. While the
 * bottle exists it touches the gate's heartbeat file and imports each push the gate accepts at
 * once (so the agent's next fetch sees it, and the gate can answer the push with the host's
 * verdict), and applies `on_canary = "stop"` (keeper-canary.ts). One keeper per bottle: a
 * second exits at once. It exits on SIGTERM (`down`) or when the bottle's state is gone.
 */
import { join } from "node:path";
import { BottleError } from "../core/errors.ts";
import type { Processes } from "../core/processes.ts";
import { bottleDir, readState, STATE_FILE } from "../core/state.ts";
import type { WorkspacePlan } from "../core/workspace.ts";
import { AUDIT_FILE_NAME } from "../bundle/audit-files.ts";
import { hasPendingPushes, removeHeartbeat, touchHeartbeat } from "../workspace/keeper-files.ts";
import { importWaiting } from "../workspace/workspace-sync.ts";
import { recordedCorePlan } from "./bottle.ts";
import type { LifecycleContext } from "./context.ts";
import { CanaryWatch } from "./keeper-canary.ts";
import { bottleLockPath, keeperLockPath, keepersDir } from "./paths.ts";

const TICK_MS = 200;
const HEARTBEAT_MS = 1_000;

/** Imports what is waiting, under the bottle's lock; a busy lock (pull, down) is tried next tick. */
async function importNow(ctx: LifecycleContext, slug: string, workspace: WorkspacePlan, auditPath: string): Promise<void> {
  if (!(await hasPendingPushes(ctx.deps.fs, workspace))) return;
  let release;
  try {
    release = await ctx.locks.acquire(bottleLockPath(ctx.home, slug), `bottle "${slug}"`, 2_000);
  } catch (error) {
    if (error instanceof BottleError && error.code === "E_LOCKED") return;
    throw error;
  }
  try {
    for (const result of await importWaiting(ctx.deps, workspace, slug, auditPath)) {
      ctx.deps.log.info(`push ${result.id}: ${result.ok ? "imported" : `refused: ${result.reason}`} (${result.durationMs} ms)`);
    }
  } finally {
    await release();
  }
}

/** Touches the gate's heartbeat file on a timer of its own, so a long import does not look like death. */
function heartbeat(ctx: LifecycleContext, workspace: WorkspacePlan): () => void {
  const beat = () => touchHeartbeat(ctx.deps.fs, workspace);
  const failed = (error: Error) => ctx.deps.log.warn(`cannot touch the keeper's heartbeat: ${error.message}`);
  void beat().catch(failed);
  const timer = setInterval(() => void beat().catch(failed), HEARTBEAT_MS);
  return () => clearInterval(timer);
}

function pause(ms: number, stopped: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([wait, stopped.then(() => undefined)]).finally(() => clearTimeout(timer));
}

/** The keeper's life: resolves with its exit code once stopped or once the bottle is gone. */
export async function runKeeper(ctx: LifecycleContext, processes: Processes, slug: string, terminated: Promise<string>): Promise<number> {
  const state = await readState(ctx.deps.fs, ctx.home, slug);
  if (!state) return 0;
  let release;
  try {
    release = await ctx.locks.acquire(keeperLockPath(ctx.home, slug), `the keeper of "${slug}"`, 0);
  } catch (error) {
    if (error instanceof BottleError && error.code === "E_LOCKED") return 0; // one is running: nothing to do
    throw error;
  }
  const registry = join(keepersDir(ctx.home), `${slug}.json`);
  const plan = recordedCorePlan(state.plan);
  const auditPath = join(plan.bundle.dir, AUDIT_FILE_NAME);
  let stopped = false;
  let stopBeating: (() => void) | undefined;
  void terminated.then(() => (stopped = true));
  try {
    await ctx.deps.fs.makeDir(keepersDir(ctx.home), 0o700);
    await ctx.deps.fs.writeAtomic(registry, `${JSON.stringify(processes.self())}\n`, 0o600);
    const canaries = plan.bundle.inspection?.onCanary === "stop" ? new CanaryWatch(ctx, slug, auditPath) : undefined;
    const statePath = join(bottleDir(ctx.home, slug), STATE_FILE);
    stopBeating = plan.workspace ? heartbeat(ctx, plan.workspace) : undefined;
    while (!stopped && (await ctx.deps.fs.exists(statePath))) {
      if (plan.workspace) await importNow(ctx, slug, plan.workspace, auditPath);
      await canaries?.check();
      await pause(TICK_MS, terminated);
    }
    return 0;
  } finally {
    stopBeating?.();
    if (plan.workspace) await removeHeartbeat(ctx.deps.fs, plan.workspace).catch(() => undefined);
    await ctx.deps.fs.remove(registry).catch(() => undefined);
    await release();
  }
}
