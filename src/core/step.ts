/** The units of change: steps with their undo, findings, and leftovers for `gc`. */
import type { BackendDeps } from "./deps.ts";

/**
 * One undoable change to the host. `run` returns what `undo` needs (JSON, stored in state.json
 * before the next step starts). `undo` must be idempotent: it runs again after a crash, and it
 * runs for the step that failed too — then with `record` undefined, since `run` never returned.
 */
export interface Step {
  readonly id: string;
  readonly title: string;
  run(deps: BackendDeps): Promise<unknown>;
  undo(deps: BackendDeps, record: unknown): Promise<void>;
}

export type FindingLevel = "ok" | "warn" | "fail";

export interface Finding {
  readonly code: string;
  readonly level: FindingLevel;
  readonly message: string;
  /** One line telling the user what to do; absent on `ok`. */
  readonly fix?: string;
}

export interface PreflightOptions {
  /** Accept a smolvm whose egress allowlist is not enforced (below 1.1.3). */
  readonly allowUnenforcedEgress?: boolean;
}

/** Something of ours found on the host, with the argv that removes it. */
export interface Leftover {
  readonly kind: string;
  readonly name: string;
  /**
   * The bottle it was made for, from its name or labels; `gc` leaves it alone while this home
   * records a bottle of that slug. "" when nothing says: `gc` then removes it.
   */
  readonly slug: string;
  /** Commands that remove it, in order (e.g. stop, then delete). */
  readonly removeArgvs: readonly (readonly string[])[];
}
