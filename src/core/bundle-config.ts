/**
 * The bundle's configuration file, rendered from a plan and read by `claude-bottle bundle serve`.
 * Pure. Holds no secrets: the agent could never read it anyway, but logs might.
 */
import { BUNDLE_PORTS } from "./agent-env.ts";
import type { CorePlan } from "./plan.ts";

export const BUNDLE_CONFIG_VERSION = 1;

export interface BundleConfig {
  readonly version: number;
  readonly bottle: string;
  readonly bundleIp: string;
  readonly subnet: string;
  readonly ports: { readonly proxy: number; readonly gitGate: number; readonly supervise: number; readonly dns: number };
  readonly allow: readonly string[];
}

export function bundleConfig(plan: CorePlan): BundleConfig {
  return {
    version: BUNDLE_CONFIG_VERSION,
    bottle: plan.slug,
    bundleIp: plan.bundleIp,
    subnet: plan.bundleSubnet,
    ports: { ...BUNDLE_PORTS, dns: 53 },
    allow: plan.bundle.allow,
  };
}

/** The file as written: stable key order, trailing newline. */
export function renderBundleConfig(plan: CorePlan): string {
  return `${JSON.stringify(bundleConfig(plan), null, 2)}\n`;
}
