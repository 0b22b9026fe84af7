/** What lifecycle operations receive: the CLI's powers, minus the CLI. */
import type { Locks } from "../core/lock.ts";
import type { Host } from "../core/host.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { BackendRegistry } from "../plugins/registry.ts";
import type { Processes } from "../core/processes.ts";

export interface LifecycleContext {
  readonly home: string;
  readonly host: Host;
  readonly deps: BackendDeps;
  readonly locks: Locks;
  readonly registry: BackendRegistry;
  /** Background processes (the host keeper); absent: no keeper is started. */
  readonly processes?: Processes;
  /** Progress for people (stderr) or events for programs (--json). */
  readonly progress: (event: { readonly event: string; readonly message: string; readonly [key: string]: unknown }) => void;
}
