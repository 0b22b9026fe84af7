/**
 * `down`: undo a bottle's journalled steps newest first, then remove its files. Idempotent:
 * resources already gone are fine, and a bottle with no state is already down.
 */
import { BottleError } from "../core/errors.ts";
import { undoSteps } from "../core/lifecycle.ts";
import { assertBottleName, bottleDir, readState, writeState, type BottleState } from "../core/state.ts";
import { CLAIM_FILE } from "../core/host-facts.ts";
import { join } from "node:path";
import type { LifecycleContext } from "./context.ts";
import { backendOfState } from "../plugins/resolve-backend.ts";
import { bottleSteps, recordedPlan } from "./bottle.ts";
import { bottleLockPath } from "./paths.ts";
import { archiveBottle } from "./archive.ts";
import { stopKeeper } from "./keeper.ts";
import { UNPULLED_WORK } from "../workspace/workspace-steps.ts";

export interface DownResult {
  readonly existed: boolean;
  readonly undone: readonly string[];
  /** Where the audit and summary went (bottles that existed). */
  readonly archive?: string;
}

export async function downBottle(ctx: LifecycleContext, slug: string): Promise<DownResult> {
  assertBottleName(slug);
  const release = await ctx.locks.acquire(bottleLockPath(ctx.home, slug), `bottle "${slug}"`);
  try {
    const state = await readState(ctx.deps.fs, ctx.home, slug);
    if (!state) {
      // A directory without state is removed only when its claim proves `render`/`up` made it.
      const dir = bottleDir(ctx.home, slug);
      if (await ctx.deps.fs.exists(join(dir, CLAIM_FILE))) await ctx.deps.fs.remove(dir);
      return { existed: false, undone: [] };
    }
    const backend = await backendOfState(ctx.registry, state);
    // The keeper first: the mirror's undo imports what is left, and nothing may import beside it.
    await stopKeeper(ctx, state.keeper);
    let current: BottleState = { ...state, status: "stopping" };
    await writeState(ctx.deps.fs, ctx.home, current);
    const journal = { save: async (steps: BottleState["steps"]) => writeState(ctx.deps.fs, ctx.home, (current = { ...current, steps, updatedAt: new Date().toISOString() })) };
    const report = await undoSteps(bottleSteps(backend, recordedPlan(backend, state.plan)), state.steps, ctx.deps, journal);
    for (const title of report.undone) ctx.progress({ event: "undone", message: `  undone: ${title}`, step: title });
    if (report.failed.length > 0) {
      throw new BottleError("E_DOWN_INCOMPLETE", `Cannot fully remove bottle "${slug}":\n${report.failed.map((f) => `  ${f.id}: ${f.error.message}`).join("\n")}`, {
        hint: `fix the cause and run claude-bottle down ${slug} again; what is left is still recorded`,
      });
    }
    const archive = await archiveBottle(ctx.deps.fs, ctx.home, state, new Date());
    ctx.progress({ event: "archived", message: `  audit archived in ${archive}`, archive });
    const kept = join(archive, UNPULLED_WORK);
    if (await ctx.deps.fs.exists(kept)) {
      const fetch = `git fetch ${kept} 'refs/heads/*:refs/remotes/bottle-${slug}/*'`;
      ctx.progress({ event: "kept", message: `  the agent's unpulled branches are in ${kept}; in your repository: ${fetch}`, kept });
    }
    await ctx.deps.fs.remove(bottleDir(ctx.home, slug));
    return { existed: true, undone: report.undone, archive };
  } finally {
    await release();
  }
}
