/**
 * The one error family of claude-bottle. Every failure a user can see is a BottleError with a
 * stable `code`, a sysexits-style `exitCode` and an optional `hint` line. Only the entry point
 * turns one into output and an exit status. A failure of a command carries its whole result
 * (`run`): `--debug` shows the argv, the exit code and all of stderr.
 */
import type { RunResult } from "./runner.ts";

export interface BottleErrorOptions {
  readonly exitCode?: number;
  readonly hint?: string;
  readonly cause?: unknown;
  /** The command whose failure this is, as the runner returned it. */
  readonly run?: RunResult;
}

export class BottleError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly run: RunResult | undefined;

  constructor(code: string, message: string, options: BottleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.failed;
    this.hint = options.hint;
    this.run = options.run;
  }
}

/** Exit codes (sysexits.h), as STYLE.md fixes them. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 64,
  unavailable: 69,
  internal: 70,
  cantCreate: 73,
  /** Another claude-bottle holds the lock: try again. */
  tempFail: 75,
  config: 78,
  /** SIGINT/SIGTERM (128 + 2). */
  interrupted: 130,
} as const;

/** The command line itself is wrong (unknown flag, missing argument). */
export class UsageError extends BottleError {
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: EXIT.usage });
  }
}

/** One problem found in a configuration file, located by a dotted path. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** A configuration (manifest, plugin) is invalid; every issue is reported at once. */
export class ConfigError extends BottleError {
  readonly issues: readonly ConfigIssue[];

  constructor(code: string, message: string, issues: readonly ConfigIssue[], options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: EXIT.config });
    this.issues = issues;
  }
}

/** A bug in claude-bottle itself: reported with a stack trace under --debug. */
export class InternalError extends BottleError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("E_INTERNAL", message, { ...options, exitCode: EXIT.internal, hint: "this is a bug in claude-bottle; rerun with --debug and report it" });
  }
}

/** Wraps anything thrown into a BottleError, so the entry point handles one shape. */
export function asBottleError(error: unknown): BottleError {
  if (error instanceof BottleError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`Unexpected failure: ${message}`, { cause: error });
}
