/**
 * Where the bundle runs. The core owns what the bundle *is* (the CorePlan: addresses, config,
 * allowlist, CA, token); a placement says *where*: the steps that make it run, what that needs
 * from the host, and how the host reaches it. Docker is the first placement; docs/architecture.md
 * sketches a Kubernetes Pod and a second microVM against this same interface.
 */
import type { BackendDeps } from "../core/deps.ts";
import type { CorePlan } from "../core/plan.ts";
import type { Finding, Leftover, Step } from "../core/step.ts";

/** How the host reaches a running bundle (for docker: its address on a local bridge). */
export interface BundleEndpoint {
  /** Base URL of supervise (healthz, status, allow/deny with the host token). */
  readonly supervise: string;
  /** Base URL of the git gate. */
  readonly gitGate: string;
  /** Ends whatever `reach` opened (a port-forward); nothing for docker. */
  close(): Promise<void>;
}

export interface BundlePlacement {
  readonly kind: CorePlan["bundle"]["placement"];
  /** The steps that make the bundle run and answer, before the backend's own. */
  steps(plan: CorePlan): Step[];
  /** Read-only: what this placement needs from the host. */
  findings(plan: CorePlan, deps: BackendDeps): Promise<Finding[]>;
  /** Opens the host's way to a running bundle. */
  reach(plan: CorePlan, deps: BackendDeps): Promise<BundleEndpoint>;
  /** The bundles' live states by slug ("running", "exited", "absent"), for `ls`. Read-only. */
  inspect(home: string, plans: readonly CorePlan[], deps: BackendDeps): Promise<Map<string, string>>;
  /** The bundle process's own output, to the terminal. */
  logs(plan: CorePlan, deps: BackendDeps, options: { follow: boolean; tail: number }): Promise<number>;
  /** What of this home's bundles a crash left on the host, for `gc`. Read-only. */
  leftovers(home: string, deps: BackendDeps): Promise<Leftover[]>;
}
