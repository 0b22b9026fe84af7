/**
 * The backends this process knows: built-ins (registered statically: the compiled binary needs
 * static imports) and external plugins loaded by path. A broken or clashing plugin is listed as
 * broken with its reason; it never takes the registry down.
 */
import { ConfigError } from "../core/errors.ts";
import type { BrokenPlugin, PluginLoad } from "./load-plugin.ts";
import type { AnyBackend } from "./types.ts";

export interface RegistryEntry {
  readonly backend: AnyBackend;
  /** "built-in", or the plugin's file. */
  readonly source: string;
}

export interface BackendRegistry {
  list(): AnyBackend[];
  entries(): RegistryEntry[];
  broken(): BrokenPlugin[];
  /** Throws ConfigError (path "backend") for an unknown name. */
  get(name: string): AnyBackend;
  sourceOf(name: string): string | undefined;
  /** Loads a plugin that was not found at start-up (a manifest's or a recorded bottle's path). */
  load(path: string): Promise<PluginLoad>;
}

export type PluginLoader = (path: string) => Promise<PluginLoad>;

const noLoader: PluginLoader = async (path) => ({ ok: false, path, reason: "this registry loads no plugins" });

/** Builds a registry; two built-ins with one name is a bug and fails loudly. */
export function createRegistry(builtins: readonly AnyBackend[], plugins: readonly PluginLoad[] = [], loader: PluginLoader = noLoader): BackendRegistry {
  const byName = new Map<string, RegistryEntry>();
  const broken: BrokenPlugin[] = [];
  for (const backend of builtins) {
    if (byName.has(backend.name)) {
      throw new ConfigError("E_BACKEND_DUPLICATE", `Cannot register backend "${backend.name}": the name is already taken`, [], { hint: "give the plugin another name" });
    }
    byName.set(backend.name, { backend, source: "built-in" });
  }
  for (const plugin of plugins) {
    if (!plugin.ok) {
      broken.push({ path: plugin.path, reason: plugin.reason });
      continue;
    }
    const taken = byName.get(plugin.backend.name);
    if (taken) {
      if (taken.source !== plugin.path) broken.push({ path: plugin.path, reason: `its name "${plugin.backend.name}" is already taken by ${taken.source === "built-in" ? "a built-in backend" : taken.source}` });
      continue;
    }
    byName.set(plugin.backend.name, { backend: plugin.backend, source: plugin.path });
  }
  return {
    list: () => [...byName.values()].map((entry) => entry.backend),
    entries: () => [...byName.values()],
    broken: () => broken,
    sourceOf: (name) => byName.get(name)?.source,
    load: loader,
    get(name) {
      const entry = byName.get(name);
      if (entry) return entry.backend;
      const brokenHint = broken.length > 0 ? `; broken plugins: ${broken.map((b) => b.path).join(", ")}` : "";
      throw new ConfigError("E_BACKEND_UNKNOWN", `Cannot use backend "${name}": no such backend`, [
        { path: "backend", message: `unknown backend "${name}" (known: ${[...byName.keys()].join(", ")}${brokenHint})` },
      ], { hint: "run claude-bottle backends to list them" });
    },
  };
}
