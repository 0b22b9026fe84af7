/**
 * The plugin API, version 2: everything a backend plugin may use from claude-bottle.
 *
 * Types: import them with `import type` from "claude-bottle/plugin" (the generated, self-contained
 * declaration file `claude-bottle plugin types` prints) for checking.
 * Values: a plugin's default export is either a backend object, or a factory that receives
 * `PluginApi` at load time and returns one — that is how a plugin running inside the single
 * binary (with no node_modules beside it) gets the shared helpers. Breaking anything here
 * bumps API_VERSION.
 */
import { API_VERSION, defineBackend } from "./plugins/types.ts";
import { BUNDLE_PORTS, GUEST_CA_PATH } from "./core/agent-env.ts";
import { ConfigError } from "./core/errors.ts";
import { addressInSubnet } from "./core/subnet.ts";
import { ensureSuccess } from "./core/runner.ts";
import { LABEL_HOME, LABEL_SLUG, resourceName } from "./core/slug.ts";
import { containerRemoveArgv, imageIdArgv, isDockerNotFound } from "./bundle/docker-argv.ts";
import { agentImageFinding } from "./bundle/bundle-preflight.ts";

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
export type { Bottle } from "./core/load-manifest.ts";
export type { Manifest } from "./core/manifest.ts";
export type { Runner, RunOptions, RunResult } from "./core/runner.ts";
export type { Fs } from "./core/fs.ts";
export type { ConfigIssue } from "./core/errors.ts";

/** The helpers handed to a plugin factory. */
export const pluginApi = {
  API_VERSION,
  defineBackend,
  /** Throw one for a problem in the manifest: reported like claude-bottle's own (exit 78). */
  ConfigError,
  BUNDLE_PORTS,
  GUEST_CA_PATH,
  /** Label keys every docker resource of a bottle carries: `gc` finds leftovers by them. */
  LABEL_HOME,
  LABEL_SLUG,
  resourceName,
  addressInSubnet,
  ensureSuccess,
  containerRemoveArgv,
  imageIdArgv,
  isDockerNotFound,
  agentImageFinding,
} as const;

export type PluginApi = typeof pluginApi;
