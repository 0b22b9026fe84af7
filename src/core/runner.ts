/**
 * The process boundary. Every smolvm/docker call goes through a Runner: argv in, result out.
 * A non-zero exit is data, not an exception, until the caller asks with `ensureSuccess`.
 */
import { BottleError, EXIT } from "./errors.ts";

export interface RunOptions {
  /** Text written to the child's stdin, then closed. Without it stdin is empty (never inherited). */
  readonly input?: string | Uint8Array;
  /** Extra environment on top of the runner's own. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Kill the child after this long; the result then has `timedOut: true`. */
  readonly timeoutMs?: number;
  /** Connect the child to our terminal (interactive attach). stdout/stderr are then empty. */
  readonly inheritStdio?: boolean;
  /**
   * Receive output as it arrives instead of collecting it (stdout/stderr of the result are then
   * empty): for streams that never end (`logs -f`) or must not be held in memory.
   */
  readonly onOutput?: (chunk: Uint8Array, stream: "stdout" | "stderr") => void;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly argv: readonly string[];
  /** The exit status; 127 when the executable was not found, 128+n when killed by signal n. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** Set when the executable could not be started at all (e.g. "ENOENT"). */
  readonly spawnError?: string;
  readonly timedOut?: boolean;
}

export interface Runner {
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Last `lines` lines of a text, for error messages. */
export function tail(text: string, lines = 5): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Turns a failed result into a BottleError naming the action, command, exit code and stderr tail.
 * Returns the result unchanged when it succeeded.
 */
export function ensureSuccess(result: RunResult, action: string, hint?: string): RunResult {
  if (result.exitCode === 0) return result;
  const command = result.argv[0] ?? "?";
  if (result.spawnError === "ENOENT") {
    throw new BottleError("E_COMMAND_MISSING", `Cannot ${action}: "${command}" is not installed or not on PATH`, {
      exitCode: EXIT.unavailable,
      run: result,
      hint: hint ?? `install ${command}, then run claude-bottle preflight`,
    });
  }
  const why = result.timedOut ? "timed out" : `exited with code ${result.exitCode}`;
  const detail = tail(result.stderr || result.stdout);
  throw new BottleError("E_COMMAND_FAILED", `Cannot ${action}: ${command} ${why}${detail ? `\n${detail}` : ""}`, {
    hint: hint ?? `the command was: ${result.argv.join(" ")}`,
    run: result,
  });
}
