/**
 * Background processes this program starts and stops by id: the host keeper. A process is
 * named by its pid and its start time together, so a recycled pid is never signalled.
 */

/** A process as recorded in a bottle's state. */
export interface ProcessRecord {
  readonly pid: number;
  /** Opaque start time from the OS (clock ticks since boot on Linux); pins the pid to one process. */
  readonly startTime: string;
}

export interface DetachedOptions {
  /** stdout and stderr go here (created 0600, appended). */
  readonly logPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export interface Processes {
  /** The command line that runs this program again (compiled binary, bun or deno with a script). */
  readonly selfArgv: readonly string[];
  /** Starts `argv` in a session of its own, detached from our terminal; resolves once it has a pid. */
  spawnDetached(argv: readonly string[], options: DetachedOptions): Promise<ProcessRecord>;
  /** This process. */
  self(): ProcessRecord;
  /** Whether the recorded process still runs (same pid, same start time). */
  alive(process: ProcessRecord): Promise<boolean>;
  /**
   * Sends SIGTERM to the recorded process if it still runs and waits up to `waitMs` for it to
   * exit, then SIGKILL. Resolves false when it was already gone. Safe to repeat.
   */
  stop(process: ProcessRecord, waitMs: number): Promise<boolean>;
}
