/** What every command receives: the host as data, the effect powers, and resolved globals. */
import type { Fs } from "../core/fs.ts";
import type { Runner } from "../core/runner.ts";
import type { Host } from "../runtime/host.ts";
import type { BackendDeps } from "../plugins/types.ts";
import type { BackendRegistry } from "../plugins/registry.ts";

export interface Powers {
  readonly fs: Fs;
  readonly runner: Runner;
}

export interface CliContext {
  readonly host: Host;
  readonly fs: Fs;
  readonly runner: Runner;
  readonly home: string;
  readonly registry: BackendRegistry;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The deps handed to backend phases; log lines go to stderr so stdout stays parseable. */
export function backendDeps(ctx: CliContext, signal?: AbortSignal): BackendDeps {
  return {
    runner: ctx.runner,
    fs: ctx.fs,
    env: ctx.host.env,
    log: {
      info: (message) => ctx.err(`${message}\n`),
      warn: (message) => ctx.err(`warning: ${message}\n`),
    },
    ...(signal ? { signal } : {}),
  };
}
