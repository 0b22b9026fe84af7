/**
 * The Backend plugin contract, API version 2. A backend is a plain object made with
 * `defineBackend`: a name, an apiVersion, capability `info`, and phases that concern the agent's
 * side only. The core plans, renders, checks and launches the bundle itself, from `info`; a
 * backend's plan is its own part, nested under `plan.agent`.
 */
import type { BackendBottle as Bottle } from "../core/bottle.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { Facts } from "../core/host-facts.ts";
import type { CorePlan, Plan } from "../core/plan.ts";
import type { Finding, Leftover, PreflightOptions, Step } from "../core/step.ts";
import type { RenderedFile } from "../core/write-files.ts";
import type { OptionSpecs } from "../core/backend-options.ts";

// The core's vocabulary, which the contract speaks: re-exported so a backend imports one module.
export type { BackendDeps, DockerApi, HttpAnswer, HttpProbe, Logger } from "../core/deps.ts";
export type { Facts, HostFacts, UsedSubnet } from "../core/host-facts.ts";
export type { BundlePlan, CorePlan, Plan } from "../core/plan.ts";
export type { Finding, FindingLevel, Leftover, PreflightOptions, Step } from "../core/step.ts";
export type { RenderedFile } from "../core/write-files.ts";
export type { BackendOptions, OptionSpec, OptionSpecs, OptionValue } from "../core/backend-options.ts";

/** The contract version this build of claude-bottle speaks. Bumped on any breaking change. */
export const API_VERSION = 2;

/** How the agent's traffic is confined: the core plans the bundle's networks from this. */
export interface BackendNetwork {
  /** One line for people. */
  readonly description: string;
  /**
   * true: the agent sits on the bundle's network, made `--internal` with no host address, so
   * the bundle is its only peer; the core then gives the bundle a second, egress network.
   * false: the backend confines the agent itself (smolvm's allow_cidrs); the bundle's network
   * is an ordinary bridge the host reaches.
   */
  readonly isolated: boolean;
}

/** Capability flags the core reads. Extra flags are allowed and shown by `backends`. */
export interface BackendFeatures {
  /** `attach` runs the agent command in the bottle with a terminal. */
  readonly interactiveAttach: boolean;
  /** The agent shares the host's kernel: the plan warns and preflight says so. */
  readonly hostKernelShared: boolean;
  /** The agent's resolver is the bundle's DNS sink. */
  readonly dnsSink: boolean;
  /**
   * The backend puts the image's roots plus the bundle CA at `GUEST_TRUST_PATH` in the guest:
   * only then does the core point SSL_CERT_FILE, CURL_CA_BUNDLE, GIT_SSL_CAINFO and
   * REQUESTS_CA_BUNDLE there (a variable naming a missing file would break TLS altogether).
   */
  readonly guestTrust?: boolean;
  readonly [flag: string]: boolean | undefined;
}

export interface BackendInfo {
  readonly description: string;
  /** What separates the agent from the host, stated plainly for users ("microvm", "container"). */
  readonly isolation: string;
  /** Executables the backend needs on PATH. */
  readonly binaries: readonly string[];
  readonly network: BackendNetwork;
  readonly features: BackendFeatures;
}

export interface ExecOptions {
  /** Our stdin is a terminal: give the command a PTY. */
  readonly tty: boolean;
  /** Run the command there (`attach`: the workspace clone); absent: the guest's own default. */
  readonly workdir?: string;
}

/**
 * A backend with its own plan part `A` and its own facts `F`. `plan` and `render` are pure,
 * `preflight` only reads, and only the steps `launch` returns change the host.
 */
export interface Backend<A = unknown, F = undefined> {
  readonly name: string;
  readonly apiVersion: number;
  readonly version: string;
  readonly info: BackendInfo;
  /**
   * The per-bottle options this backend takes from `[backend.options]`, as data. The core checks
   * them (unknown keys, types, ranges, required) and hands them to `plan` as `bottle.options`.
   */
  readonly options?: OptionSpecs;
  /** Read-only probe of this backend's host facts, run once per command before `plan`. */
  facts?(deps: BackendDeps): Promise<F>;
  /**
   * Pure and deterministic: the agent's side of the bottle, given the core's part (subnet,
   * addresses, env, bundle). Decisions that depend only on facts are made here, so a refusal
   * is a preflight failure and creates nothing. Throws ConfigError on bad input.
   */
  plan(bottle: Bottle, facts: Facts<F>, core: CorePlan): A;
  /**
   * Pure: a few facts about the agent's side worth showing (e.g. smolfilePath). `plan` prints them
   * as rows and `plan --json` as top-level keys after the core's; a key the core uses is not shown.
   */
  summary?(plan: Plan<A>): Readonly<Record<string, string>>;
  /** Pure: the backend's own files, by name relative to the state dir (the bundle's are the core's). */
  render?(plan: Plan<A>): RenderedFile[];
  /** Read-only checks of the agent's side; every finding, never stopping at the first. */
  preflight(plan: Plan<A>, facts: Facts<F>, deps: BackendDeps, options: PreflightOptions): Promise<Finding[]>;
  /** The agent's steps, run after the core's bundle steps. Building the list changes nothing. */
  launch(plan: Plan<A>): Step[];
  /** Runs a command in the running bottle, connected to our terminal; resolves its exit code. */
  exec(plan: Plan<A>, deps: BackendDeps, command: readonly string[], options: ExecOptions): Promise<number>;
  /**
   * Stops the agent side, keeping its resources for `down` to remove (a canary with
   * on_canary = "stop"). Safe to repeat; throws when it cannot stop it.
   */
  stop?(plan: Plan<A>, deps: BackendDeps): Promise<void>;
  /** Live state of the agent side by slug, e.g. "running". Read-only. */
  inspect?(plans: readonly Plan<A>[], deps: BackendDeps): Promise<Map<string, string>>;
  /** Streams the agent side's logs (console) to our terminal. */
  logs?(plan: Plan<A>, deps: BackendDeps, options: { follow: boolean }): Promise<number>;
  /**
   * Agent-side resources of this home found on the host (for `gc`). Read-only. `facts` is what
   * this backend's `facts` probe found, run once by `gc` (undefined when it has none).
   */
  leftovers?(home: string, deps: BackendDeps, facts: F): Promise<Leftover[]>;
  /** Reads the backend fields of a plan recorded by API 1 (flat), so such a bottle still goes down. */
  upgrade?(legacy: Readonly<Record<string, unknown>>): A;
}

/**
 * Any backend, as the core holds it: its plan part and facts are opaque there. (Phases are
 * methods, so a Backend<MyPlan, MyFacts> is one of these without a cast.)
 */
export type AnyBackend = Backend<unknown, unknown>;

/** Marks an object as a backend, with its types checked. Identity at run time. */
export function defineBackend<A, F = undefined>(backend: Backend<A, F>): Backend<A, F> {
  return backend;
}
