/**
 * The plugin API's types, and nothing else: the entry `scripts/plugin-types.ts` turns into the
 * one self-contained declaration file plugin authors check against ("claude-bottle/plugin";
 * `claude-bottle plugin types` prints it). Everything reachable from here is free of runtime
 * and library types, so that file needs nothing installed beside it.
 */
import type { Backend } from "./plugins/types.ts";
import type { Finding } from "./core/step.ts";
import type { Runner, RunResult } from "./core/runner.ts";
import type { ConfigIssue } from "./core/errors.ts";

export type {
  AnyBackend,
  Backend,
  BackendFeatures,
  BackendInfo,
  BackendNetwork,
  ExecOptions,
} from "./plugins/types.ts";
export type { BackendDeps, DockerApi, HttpAnswer, HttpProbe, HttpSendOptions, Logger } from "./core/deps.ts";
export type { Facts, HostFacts, UsedSubnet } from "./core/host-facts.ts";
export type { BundlePlan, CorePlan, EgressNetworkPlan, Plan } from "./core/plan.ts";
export type { Finding, FindingLevel, Leftover, PreflightOptions, Step } from "./core/step.ts";
export type { RenderedFile } from "./core/write-files.ts";
export type { BackendBottle as Bottle, BackendManifest as Manifest } from "./core/bottle.ts";
export type { Cidr } from "./core/cidr.ts";
export type { BackendOptions, OptionSpec, OptionSpecs, OptionValue } from "./core/backend-options.ts";
export type { EgressRule } from "./core/egress-rule.ts";
export type { Runner, RunOptions, RunResult } from "./core/runner.ts";
export type { Fs } from "./core/fs.ts";
export type { ConfigIssue } from "./core/errors.ts";

/** A problem in the manifest, reported like claude-bottle's own: `path: message` lines, exit 78. */
export interface ConfigErrorClass {
  new (
    code: string,
    message: string,
    issues: readonly ConfigIssue[],
    options?: { hint?: string; cause?: unknown },
  ): Error & {
    readonly code: string;
    readonly exitCode: number;
    readonly hint: string | undefined;
    readonly issues: readonly ConfigIssue[];
  };
}

/** What a plugin's factory receives: `export default (api: PluginApi) => api.defineBackend({...})`. */
export interface PluginApi {
  /** The contract version this claude-bottle speaks. */
  readonly API_VERSION: 2;
  /** Identity at run time; checks your backend's types. */
  defineBackend<A, F = undefined>(backend: Backend<A, F>): Backend<A, F>;
  /** Throw one from `plan` for a problem in the manifest (e.g. a bad `[backend.options]` value). */
  readonly ConfigError: ConfigErrorClass;
  readonly BUNDLE_PORTS: { readonly proxy: 8888; readonly gitGate: 8889; readonly supervise: 8890 };
  /** Where the bundle CA certificate must be in the guest (NODE_EXTRA_CA_CERTS points there). */
  readonly GUEST_CA_PATH: "/etc/claude-bottle/bundle-ca.crt";
  /** Where the image's roots plus the bundle CA go when `info.features.guestTrust` is set. */
  readonly GUEST_TRUST_PATH: "/etc/claude-bottle/ca-bundle.crt";
  /** Label keys every docker resource of a bottle carries: `gc` finds leftovers by them. */
  readonly LABEL_HOME: "dev.claude-bottle.home";
  readonly LABEL_SLUG: "dev.claude-bottle.slug";
  /** `claude-bottle-<home tag>-<slug>[-suffix]`: unique per home, found by `gc`. */
  resourceName(home: string, slug: string, suffix?: string): string;
  /** The `index`-th address of a /24 such as "192.168.9.0/24" (1 gateway, 2 bundle, 3 free for you). */
  addressInSubnet(subnet: string, index: number): string;
  /** Returns a successful result; throws an error naming the action, exit code and stderr otherwise. */
  ensureSuccess(result: RunResult, action: string, hint?: string): RunResult;
  containerRemoveArgv(name: string): string[];
  imageIdArgv(image: string): string[];
  /** stderr of a docker command that failed only because the thing is already gone. */
  isDockerNotFound(stderr: string): boolean;
  /** AGENT_IMAGE_OK / _MISSING / _UNKNOWN for an image that must be in the host's docker. */
  agentImageFinding(image: string, runner: Runner): Promise<Finding>;
}
