/**
 * Running a backend's steps with a journal, and undoing them. One machinery for rollback,
 * `down` and crash recovery: every step is journalled as "running" before it starts and "done"
 * with its record after, and undo walks the journal newest first.
 */
import { BottleError, EXIT } from "./errors.ts";
import type { StepEntry } from "./state.ts";
import type { BackendDeps } from "./deps.ts";
import type { Step } from "./step.ts";

export interface Journal {
  /** Persist the entries; called before a step starts and after it ends. */
  save(entries: readonly StepEntry[]): Promise<void>;
}

export interface UndoReport {
  readonly undone: string[];
  readonly failed: { readonly id: string; readonly error: Error }[];
}

/**
 * Undoes the journalled steps newest first. Keeps going past a failing undo (so one stuck
 * resource does not strand the rest) and reports what failed. Unknown ids are skipped.
 */
export async function undoSteps(steps: readonly Step[], entries: readonly StepEntry[], deps: BackendDeps, journal?: Journal): Promise<UndoReport> {
  const report: UndoReport = { undone: [], failed: [] };
  const remaining = [...entries];
  for (const entry of [...entries].reverse()) {
    const step = steps.find((candidate) => candidate.id === entry.id);
    if (!step) continue;
    try {
      await step.undo(deps, entry.record);
      report.undone.push(step.title);
      remaining.splice(remaining.lastIndexOf(entry), 1);
      await journal?.save(remaining);
    } catch (error) {
      report.failed.push({ id: entry.id, error: error as Error });
    }
  }
  return report;
}

/**
 * Runs the steps in order. On a failure or abort it undoes what was done (and the step that was
 * running), says so through `deps.log`, and rethrows the original error.
 */
export async function runSteps(steps: readonly Step[], deps: BackendDeps, journal: Journal): Promise<StepEntry[]> {
  const entries: StepEntry[] = [];
  try {
    for (const step of steps) {
      if (deps.signal?.aborted) throw new BottleError("E_INTERRUPTED", "Interrupted", { exitCode: EXIT.interrupted });
      deps.log.info(`• ${step.title}`);
      entries.push({ id: step.id, status: "running" });
      await journal.save(entries);
      const started = performance.now();
      const record = await step.run(deps);
      deps.log.info(`  done in ${Math.round(performance.now() - started)} ms`);
      entries[entries.length - 1] = { id: step.id, status: "done", ...(record === undefined ? {} : { record }) };
      await journal.save(entries);
    }
    return entries;
  } catch (error) {
    // The rollback must run to the end even though the signal fired: undo with a fresh signal.
    const undoDeps: BackendDeps = { ...deps, signal: new AbortController().signal };
    const report = await undoSteps(steps, entries, undoDeps, journal);
    for (const title of report.undone) deps.log.info(`  undone: ${title}`);
    for (const failure of report.failed) deps.log.warn(`could not undo ${failure.id}: ${failure.error.message}`);
    if (report.failed.length > 0) {
      const first = error instanceof Error ? error.message : String(error);
      throw new BottleError("E_ROLLBACK_INCOMPLETE", `${first}\nand the rollback could not undo: ${report.failed.map((f) => f.id).join(", ")}`, {
        exitCode: error instanceof BottleError ? error.exitCode : 1,
        hint: "what is left stays recorded: claude-bottle down NAME retries it, claude-bottle gc finds anything unrecorded",
        cause: error,
      });
    }
    if (deps.signal?.aborted) throw new BottleError("E_INTERRUPTED", "Interrupted: what the launch had made is undone", { exitCode: EXIT.interrupted, cause: error });
    throw error;
  }
}
