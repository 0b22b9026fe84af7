/** Which backend a manifest or a recorded bottle means: a registered name, or a plugin path. */
import { dirname, resolve } from "node:path";
import { ConfigError } from "../core/errors.ts";
import type { Bottle } from "../core/load-manifest.ts";
import { isPluginPath } from "./discover.ts";
import type { BackendRegistry } from "./registry.ts";
import type { AnyBackend } from "./types.ts";

export interface ResolvedBackend {
  readonly backend: AnyBackend;
  /** "built-in" or the plugin file: recorded with the bottle so `down` finds it again. */
  readonly source: string;
}

async function fromPath(registry: BackendRegistry, path: string): Promise<ResolvedBackend> {
  const known = registry.entries().find((entry) => entry.source === path);
  if (known) return known;
  const loaded = await registry.load(path);
  if (!loaded.ok) throw new ConfigError("E_PLUGIN_BROKEN", `Cannot use backend plugin ${path}`, [{ path: "backend", message: loaded.reason }], { hint: "fix the plugin (docs/plugins.md), then run claude-bottle backends to check it" });
  const clash = registry.sourceOf(loaded.backend.name);
  if (clash && clash !== path) throw new ConfigError("E_PLUGIN_BROKEN", `Cannot use backend plugin ${path}`, [{ path: "backend", message: `its name "${loaded.backend.name}" is already taken by ${clash}` }]);
  return { backend: loaded.backend, source: path };
}

export async function resolveBackend(registry: BackendRegistry, bottle: Bottle): Promise<ResolvedBackend> {
  const name = bottle.manifest.backend;
  if (isPluginPath(name)) return fromPath(registry, resolve(dirname(bottle.manifestPath), name));
  return { backend: registry.get(name), source: registry.sourceOf(name) ?? "built-in" };
}

/** The backend of a recorded bottle: by name, else from the plugin file it was made with. */
export async function backendOfState(registry: BackendRegistry, state: { backend: string; backendSource?: string }): Promise<AnyBackend> {
  if (registry.sourceOf(state.backend)) return registry.get(state.backend);
  if (state.backendSource && state.backendSource !== "built-in") return (await fromPath(registry, state.backendSource)).backend;
  return registry.get(state.backend);
}
