/**
 * The plugin API, version 1: everything a backend plugin may use from claude-bottle.
 *
 * Types: import them with `import type` from "claude-bottle/plugin" (this file) for checking.
 * Values: a plugin's default export is either a backend object, or a factory that receives
 * `PluginApi` at load time and returns one — that is how a plugin running inside the single
 * binary (with no node_modules beside it) gets the shared helpers. Breaking anything here
 * bumps API_VERSION.
 */
import { API_VERSION, defineBackend } from "./plugins/types.ts";
import { bundleAgentEnv, BUNDLE_PORTS, GUEST_CA_PATH } from "./core/agent-env.ts";
import { addressInSubnet, bundleSubnet } from "./core/subnet.ts";
import { ensureSuccess } from "./core/runner.ts";
import { resourceName } from "./core/slug.ts";
import { planBundle, bundleHostIp } from "./bundle/bundle-plan.ts";
import { renderBundleConfig } from "./bundle/bundle-config.ts";
import { bundleContainerStep, bundleNetworkStep, egressNetworkStep } from "./bundle/bundle-steps.ts";
import { bundleRunArgv, containerRemoveArgv, isDockerNotFound, networkCreateArgv, networkRemoveArgv } from "./bundle/docker-argv.ts";
import { agentImageFinding, dockerFinding, subnetFinding } from "./bundle/bundle-preflight.ts";

export type {
  Backend,
  BackendDeps,
  BackendInfo,
  BasePlan,
  ExecOptions,
  Finding,
  FindingLevel,
  HostFacts,
  HttpProbe,
  Leftover,
  Logger,
  PreflightOptions,
  RenderedFile,
  Step,
  UsedSubnet,
} from "./plugins/types.ts";
export type { Bottle } from "./core/load-manifest.ts";
export type { Manifest } from "./core/manifest.ts";
export type { Runner, RunOptions, RunResult } from "./core/runner.ts";
export type { Fs } from "./core/fs.ts";
export type { BundlePlan } from "./bundle/bundle-plan.ts";

/** The helpers handed to a plugin factory. */
export const pluginApi = {
  API_VERSION,
  defineBackend,
  BUNDLE_PORTS,
  GUEST_CA_PATH,
  bundleAgentEnv,
  bundleSubnet,
  addressInSubnet,
  resourceName,
  ensureSuccess,
  planBundle,
  bundleHostIp,
  renderBundleConfig,
  bundleNetworkStep,
  egressNetworkStep,
  bundleContainerStep,
  networkCreateArgv,
  networkRemoveArgv,
  bundleRunArgv,
  containerRemoveArgv,
  isDockerNotFound,
  dockerFinding,
  subnetFinding,
  agentImageFinding,
} as const;

export type PluginApi = typeof pluginApi;
