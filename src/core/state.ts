/**
 * The state store: `<home>/bottles/<slug>/state.json`, written atomically (0600) after every
 * step, so rollback, `down` and `gc` always know what a bottle made.
 */
import { join } from "node:path";
import { BottleError, UsageError } from "./errors.ts";
import type { Fs } from "./fs.ts";
import { PRIVATE_DIR_MODE } from "./write-files.ts";
import type { RecordedPlan } from "./plan-upgrade.ts";
import type { ProcessRecord } from "./processes.ts";
import { isSlug, SLUG_RULE } from "./slug.ts";

export const STATE_FILE = "state.json";
export const STATE_VERSION = 1;

export interface StepEntry {
  readonly id: string;
  /** "running" = started and not known to have finished: undo it too. */
  readonly status: "running" | "done";
  readonly record?: unknown;
}

/** "stopped": the agent was stopped (a canary with on_canary = "stop"); records, bundle and audit kept. */
export type BottleStatus = "starting" | "running" | "stopping" | "failed" | "stopped";

export interface BottleState<P = RecordedPlan> {
  readonly version: number;
  readonly slug: string;
  readonly backend: string;
  /** "built-in" or the plugin file the bottle was made with. */
  readonly backendSource?: string;
  readonly manifestPath: string;
  readonly status: BottleStatus;
  /** Version 2 (nested); a version 1 plan (flat, API 1) is upgraded on read. */
  readonly plan: P;
  readonly steps: readonly StepEntry[];
  /** The host keeper `up` started (pid + start time), stopped by `down`. */
  readonly keeper?: ProcessRecord;
  /** Why the bottle is "stopped": the credential whose canary tripped, and when. */
  readonly stoppedBy?: { readonly canary: string; readonly at: string };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Refuses anything that is not a slug before it is joined into a path: a bottle name is never a
 * path (`down ..` once removed the whole home). Throws UsageError (exit 64) with the rule.
 */
export function assertBottleName(name: string): void {
  if (isSlug(name)) return;
  const shown = JSON.stringify(name).replace(/[\u007f-\u009f]/g, "?");
  throw new UsageError("E_BAD_NAME", `Cannot use ${shown} as a bottle name: a name is ${SLUG_RULE}`, { hint: "claude-bottle ls lists the bottles by name" });
}

/** `<home>/bottles/<slug>`; throws UsageError for a name that is not a slug. */
export function bottleDir(home: string, slug: string): string {
  assertBottleName(slug);
  return join(home, "bottles", slug);
}

export async function readState(fs: Fs, home: string, slug: string): Promise<BottleState | undefined> {
  const path = join(bottleDir(home, slug), STATE_FILE);
  const text = await fs.readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as BottleState;
    if (state.version !== STATE_VERSION || state.slug !== slug) throw new Error(`version ${state.version}, slug ${state.slug}`);
    return state;
  } catch (error) {
    throw new BottleError("E_STATE_CORRUPT", `Cannot read the state of bottle "${slug}": ${path} is damaged (${(error as Error).message})`, {
      hint: "claude-bottle gc removes what a bottle left on the host; then delete that directory",
      cause: error,
    });
  }
}

export async function writeState(fs: Fs, home: string, state: BottleState): Promise<void> {
  const dir = bottleDir(home, state.slug);
  await fs.makeDir(dir, PRIVATE_DIR_MODE);
  await fs.writeAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** Every bottle with a state file under this home, sorted by name. */
export async function listStates(fs: Fs, home: string): Promise<BottleState[]> {
  const states: BottleState[] = [];
  for (const slug of (await fs.listDir(join(home, "bottles"))).sort()) {
    const state = await readState(fs, home, slug).catch(() => undefined);
    if (state) states.push(state);
  }
  return states;
}
