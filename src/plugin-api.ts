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
import { BUNDLE_PORTS, GUEST_CA_PATH, GUEST_TRUST_PATH } from "./core/agent-env.ts";
import { ConfigError } from "./core/errors.ts";
import { addressInSubnet } from "./core/subnet.ts";
import { ensureSuccess } from "./core/runner.ts";
import { LABEL_HOME, LABEL_SLUG, resourceName } from "./core/slug.ts";
import { containerRemoveArgv, imageIdArgv, isDockerNotFound } from "./bundle/docker-argv.ts";
import { agentImageFinding } from "./bundle/bundle-preflight.ts";

import type { PluginApi } from "./plugin-types.ts";

export type * from "./plugin-types.ts";

/** The helpers handed to a plugin factory. */
export const pluginApi = {
  API_VERSION,
  defineBackend,
  /** Throw one for a problem in the manifest: reported like claude-bottle's own (exit 78). */
  ConfigError,
  BUNDLE_PORTS,
  GUEST_CA_PATH,
  GUEST_TRUST_PATH,
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
} as const satisfies PluginApi;
