/** The backends compiled into the binary (static imports: the compiled binary needs them). */
import { createRegistry, type BackendRegistry } from "../plugins/registry.ts";
import { smolmachines } from "./smolmachines/index.ts";
import { docker } from "./docker/index.ts";

export function builtinRegistry(): BackendRegistry {
  return createRegistry([smolmachines, docker]);
}
