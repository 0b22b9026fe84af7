/** The backends this process knows: built-ins, registered statically. */
import { ConfigError } from "../core/errors.ts";
import type { Backend, BasePlan } from "./types.ts";

export interface BackendRegistry {
  list(): Backend<BasePlan>[];
  /** Throws ConfigError (path "backend") for an unknown name. */
  get(name: string): Backend<BasePlan>;
}

/** Builds a registry; a name given twice is a loud error, never a silent override. */
export function createRegistry(backends: readonly Backend<any>[]): BackendRegistry {
  const byName = new Map<string, Backend<BasePlan>>();
  for (const backend of backends) {
    if (byName.has(backend.name)) {
      throw new ConfigError("E_BACKEND_DUPLICATE", `Cannot register backend "${backend.name}": the name is already taken`, [], {
        hint: "give the plugin another name",
      });
    }
    byName.set(backend.name, backend);
  }
  return {
    list: () => [...byName.values()],
    get(name) {
      const backend = byName.get(name);
      if (backend) return backend;
      const known = [...byName.keys()].join(", ");
      throw new ConfigError("E_BACKEND_UNKNOWN", `Cannot use backend "${name}": no such backend`, [
        { path: "backend", message: `unknown backend "${name}" (known: ${known})` },
      ], { hint: "run claude-bottle backends to list them" });
    },
  };
}
