/**
 * The Backend plugin contract. A backend is a plain object made with `defineBackend`:
 * a name, an apiVersion, capability `info`, and phases. `plan` and `render` are pure,
 * `preflight` only reads, and only `launch` (through the steps it returns) changes the host.
 */
import type { Bottle } from "../core/load-manifest.ts";
import type { Fs } from "../core/fs.ts";
import type { Runner } from "../core/runner.ts";

/** The contract version this build of claude-bottle speaks. Bumped on any breaking change. */
export const API_VERSION = 1;

/** Where a subnet in use on the host was seen. */
export interface UsedSubnet {
  readonly cidr: string;
  readonly source: "route" | "docker" | "bottle";
  /** The bottle slug that owns it, when it is one of ours. */
  readonly owner?: string;
}

/** Host facts, gathered once and effectfully before planning, handed to `plan` as data. */
export interface HostFacts {
  /** claude-bottle's state root. */
  readonly home: string;
  readonly platform: string;
  readonly arch: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly usedSubnets: readonly UsedSubnet[];
  /** What the backend's own `facts` probe found (e.g. smolvmVersion); absent keys = unknown. */
  readonly backend: Readonly<Record<string, string>>;
}

/** What every backend's plan carries; backends add their own fields. JSON-printable. */
export interface BasePlan {
  readonly backend: string;
  readonly slug: string;
  /** What separates the agent from the host, stated plainly for users. */
  readonly isolation: "microvm" | "container" | (string & {});
  readonly stateDir: string;
  readonly bundleSubnet: string;
  readonly bundleGateway: string;
  readonly bundleIp: string;
  /** The agent's environment, complete. */
  readonly env: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
}

/** A file the core writes for a backend: `name` relative to the output directory. */
export interface RenderedFile {
  readonly name: string;
  readonly contents: string;
  readonly mode: number;
}

export type FindingLevel = "ok" | "warn" | "fail";

export interface Finding {
  readonly code: string;
  readonly level: FindingLevel;
  readonly message: string;
  /** One line telling the user what to do; absent on `ok`. */
  readonly fix?: string;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export type HttpAnswer = { readonly status: number; readonly body: string } | { readonly error: string };

/** A small HTTP client that never throws (a refused connection is an answer) and uses no proxy. */
export interface HttpProbe {
  get(url: string, timeoutMs: number): Promise<HttpAnswer>;
  send?(method: string, url: string, options: { headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer>;
}

/** The powers a backend receives. New powers arrive as optional members behind a capability. */
export interface BackendDeps {
  readonly runner: Runner;
  readonly fs: Fs;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** HTTP from the host (bundle readiness). */
  readonly http?: HttpProbe;
  /** The local Docker Engine API for read-only questions; absent = ask the docker CLI. */
  readonly dockerApi?: { get(path: string): Promise<unknown> };
}

export interface PreflightOptions {
  /** Accept a smolvm whose egress allowlist is not enforced (below 1.1.3). */
  readonly allowUnenforcedEgress?: boolean;
}

/**
 * One undoable change to the host. `run` returns what `undo` needs (JSON, stored in state.json
 * before the next step starts). `undo` must be idempotent: it runs again after a crash.
 */
export interface Step {
  readonly id: string;
  readonly title: string;
  run(deps: BackendDeps): Promise<unknown>;
  undo(deps: BackendDeps, record: unknown): Promise<void>;
}

/** Something of ours found on the host, with the argv that removes it. */
export interface Leftover {
  readonly kind: string;
  readonly name: string;
  /** The bottle it was made for, when its name or labels say. */
  readonly slug?: string;
  /** Commands that remove it, in order (e.g. stop, then delete). */
  readonly removeArgvs: readonly (readonly string[])[];
}

export interface ExecOptions {
  /** Our stdin is a terminal: give the command a PTY. */
  readonly tty: boolean;
}

export interface BackendInfo {
  readonly description: string;
  readonly isolation: BasePlan["isolation"];
  /** Executables the backend needs on PATH. */
  readonly binaries: readonly string[];
  /** How the agent's traffic is confined, in one line. */
  readonly network: string;
  readonly features: Readonly<Record<string, boolean>>;
}

export interface Backend<P extends BasePlan = BasePlan> {
  readonly name: string;
  readonly apiVersion: number;
  readonly version: string;
  readonly info: BackendInfo;
  /** Read-only probe of backend-specific host facts, run before `plan` (e.g. a runtime version). */
  facts?(deps: BackendDeps): Promise<Readonly<Record<string, string>>>;
  /** Pure and deterministic: same bottle and facts, same plan. Throws ConfigError on bad input. */
  plan(bottle: Bottle, facts: HostFacts): P;
  /** Pure: the files this bottle needs, by name. */
  render(plan: P): RenderedFile[];
  /** Read-only checks; every finding, never stopping at the first. */
  preflight(plan: P, deps: BackendDeps, options?: PreflightOptions): Promise<Finding[]>;
  /** The ordered steps that bring the bottle up. Building the list changes nothing. */
  launch(plan: P): Step[];
  /** Runs a command in the running bottle, connected to our terminal; resolves its exit code. */
  exec(plan: P, deps: BackendDeps, command: readonly string[], options: ExecOptions): Promise<number>;
  /** Live state of the agent side, e.g. { agent: "running" }. Read-only. */
  inspect?(plans: readonly P[], deps: BackendDeps): Promise<Map<string, string>>;
  /** Streams the agent side's logs (console) to our terminal. */
  logs?(plan: P, deps: BackendDeps, options: { follow: boolean }): Promise<number>;
  /** Agent-side resources of this home found on the host (for `gc`). Read-only. */
  leftovers?(home: string, deps: BackendDeps): Promise<Leftover[]>;
}

/** Marks an object as a backend, with its types checked. Identity at run time. */
export function defineBackend<P extends BasePlan>(backend: Backend<P>): Backend<P> {
  return backend;
}
