/** The backends compiled into the binary (static imports: the compiled binary needs them). */
import { createRegistry, type BackendRegistry, type PluginLoader } from "../plugins/registry.ts";
import type { PluginLoad } from "../plugins/load-plugin.ts";
import { smolmachines } from "./smolmachines/index.ts";
import { docker } from "./docker/index.ts";

export const BUILTIN_BACKENDS = [smolmachines, docker] as const;

export function builtinRegistry(plugins: readonly PluginLoad[] = [], loader?: PluginLoader): BackendRegistry {
  return createRegistry(BUILTIN_BACKENDS, plugins, loader);
}
