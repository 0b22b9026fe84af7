/** What every command receives: the host as data, the effect powers, and resolved globals. */
import type { Fs } from "../core/fs.ts";
import type { Runner } from "../core/runner.ts";
import type { Host } from "../core/host.ts";
import type { BackendDeps, DockerApi, HttpProbe } from "../core/deps.ts";
import type { Locks } from "../core/lock.ts";
import type { Interrupts } from "../runtime/interrupts.ts";
import type { Processes } from "../core/processes.ts";
import type { BackendRegistry } from "../plugins/registry.ts";

export interface Powers {
  readonly fs: Fs;
  readonly runner: Runner;
  readonly locks: Locks;
  readonly http: HttpProbe;
  /** SIGINT/SIGTERM as an AbortSignal while a launch runs. */
  readonly interrupts: () => Interrupts;
  /** Resolves when the process is asked to stop (a server's lifetime). */
  readonly terminated: () => Promise<string>;
  /** The local Docker Engine API, for fast read-only host facts; absent = use the CLI. */
  readonly dockerApi?: DockerApi;
  /** Background processes (the host keeper `up` starts); absent = no keeper. */
  readonly processes?: Processes;
}

export interface CliContext extends Powers {
  readonly host: Host;
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
    http: ctx.http,
    ...(ctx.dockerApi ? { dockerApi: ctx.dockerApi } : {}),
    ...(signal ? { signal } : {}),
  };
}
