/**
 * The core's phases for the bundle, the same for every backend: its files, its preflight
 * findings and its launch steps, all derived from the CorePlan and the backend's `info`.
 */
import { BUNDLE_CONFIG_FILE, BUNDLE_DIR } from "../core/bundle-plan.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { HostFacts } from "../core/host-facts.ts";
import type { CorePlan } from "../core/plan.ts";
import type { Finding, Step } from "../core/step.ts";
import type { RenderedFile } from "../core/write-files.ts";
import { renderBundleConfig } from "../core/bundle-config.ts";
import { sharedKernelFinding, subnetFinding } from "./bundle-preflight.ts";
import { placementOf } from "./docker-placement.ts";
import { credentialFindings } from "./credential-findings.ts";

/**
 * Names in the state dir that belong to the core: a backend's `render` may not write them. The
 * bundle's directory (config, token, audit), the CA, the journal and the subnet claim.
 */
export const RESERVED_FILE_PREFIXES: readonly string[] = [`${BUNDLE_DIR}/`, "ca/", "state.json", "subnet"];

export function isReservedFileName(name: string): boolean {
  return RESERVED_FILE_PREFIXES.some(
    (reserved) => name === reserved.replace(/\/$/, "") || (reserved.endsWith("/") && name.startsWith(reserved)),
  );
}

export function bundleFiles(plan: CorePlan): RenderedFile[] {
  return [{ name: `${BUNDLE_DIR}/${BUNDLE_CONFIG_FILE}`, contents: renderBundleConfig(plan), mode: 0o600 }];
}

/** What the bundle's side needs, checked from the facts the plan was made from. */
export async function bundleFindings(
  plan: CorePlan,
  facts: HostFacts,
  deps: BackendDeps,
  hostKernelShared: boolean,
): Promise<Finding[]> {
  const placement = await placementOf(plan).findings(plan, deps);
  const credentials = await credentialFindings(plan, deps);
  return [...(hostKernelShared ? [sharedKernelFinding(plan.isolation)] : []), ...placement, subnetFinding(plan, facts), ...credentials];
}

export function bundleSteps(plan: CorePlan): Step[] {
  return placementOf(plan).steps(plan);
}
