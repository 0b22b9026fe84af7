/** The real Runner on `node:child_process`, which Bun and Deno both provide. */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { RunOptions, RunResult, Runner } from "../core/runner.ts";

function signalExitCode(signal: NodeJS.Signals | null): number {
  if (!signal) return 1;
  return 128 + ((constants.signals as Record<string, number>)[signal] ?? 0);
}

/** A Runner whose children see `baseEnv` (plus per-call `env`), never more. */
export function nodeRunner(baseEnv: Readonly<Record<string, string | undefined>>): Runner {
  return {
    run(argv, options: RunOptions = {}) {
      const started = performance.now();
      return new Promise<RunResult>((resolve) => {
        const [command, ...args] = argv;
        if (command === undefined) throw new TypeError("Runner.run needs a non-empty argv");
        const child = spawn(command, args, {
          env: { ...baseEnv, ...options.env },
          cwd: options.cwd,
          stdio: options.inheritStdio ? "inherit" : ["pipe", "pipe", "pipe"],
          signal: options.signal,
        });
        let stdout = "";
        let stderr = "";
        let spawnError: string | undefined;
        let timedOut = false;
        const onOutput = options.onOutput;
        if (onOutput) {
          child.stdout?.on("data", (chunk: Uint8Array) => onOutput(chunk, "stdout"));
          child.stderr?.on("data", (chunk: Uint8Array) => onOutput(chunk, "stderr"));
        } else {
          child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
          child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        }
        child.stdin?.on("error", () => {}); // a child that exits without reading stdin is not our failure
        if (!options.inheritStdio) child.stdin?.end(options.input ?? "");
        const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, options.timeoutMs);
        child.on("error", (error: NodeJS.ErrnoException) => {
          spawnError = error.code ?? error.message;
        });
        child.on("close", (code, signal) => {
          if (timer) clearTimeout(timer);
          const exitCode = spawnError === "ENOENT" ? 127 : code ?? signalExitCode(signal);
          resolve({
            argv,
            exitCode,
            stdout,
            stderr,
            durationMs: Math.round(performance.now() - started),
            ...(spawnError ? { spawnError } : {}),
            ...(timedOut ? { timedOut } : {}),
          });
        });
      });
    },
  };
}
