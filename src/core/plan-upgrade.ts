/**
 * Plans recorded before API 2 were flat: the backend's fields beside the core's, the bundle's
 * addresses at the top. Read back through a schema into the core's part and the rest, so a
 * bottle brought up by an older claude-bottle still goes `down`.
 */
import { DEFAULT_AUDIT_MAX_MB } from "./manifest.ts";
import * as v from "valibot";
import { PLAN_VERSION, type CorePlan, type Plan } from "./plan.ts";
import { DEFAULT_AGENT_CPUS, DEFAULT_AGENT_MEMORY_MIB } from "./manifest.ts";

const text = v.string();
const LegacyPlanSchema = v.object({
  backend: text,
  slug: text,
  isolation: text,
  home: text,
  stateDir: text,
  bundleSubnet: text,
  bundleGateway: text,
  bundleIp: text,
  egressNetwork: v.optional(v.object({ networkName: text, subnet: text, gateway: text, bundleIp: text })),
  env: v.record(text, text),
  warnings: v.array(text),
  host: v.object({ platform: text, arch: text }),
  agent: v.object({ image: text, command: v.array(text) }),
  egress: v.object({ allow: v.array(text) }),
  bundle: v.object({ image: text, networkName: text, containerName: text, dir: text, configPath: text, user: text }),
  caCertPath: text,
});

const CORE_KEYS = new Set(Object.keys(LegacyPlanSchema.entries));

/** A recorded plan: the current shape, or an API 1 one (no planVersion) to be upgraded. */
export type RecordedPlan = Plan | { readonly planVersion?: undefined; readonly [key: string]: unknown };

export function isCurrentPlan(plan: RecordedPlan): plan is Plan {
  return plan.planVersion === PLAN_VERSION;
}

/** The core's part of an API 1 plan, and its other (backend) fields. Throws on a damaged plan. */
export function upgradeLegacyPlan(recorded: unknown): { core: CorePlan; rest: Record<string, unknown> } {
  const p = v.parse(LegacyPlanSchema, recorded);
  const all = v.parse(v.record(v.string(), v.unknown()), recorded);
  const rest = Object.fromEntries(Object.entries(all).filter(([key]) => !CORE_KEYS.has(key)));
  const core: CorePlan = {
    planVersion: PLAN_VERSION,
    backend: p.backend,
    isolation: p.isolation,
    slug: p.slug,
    home: p.home,
    stateDir: p.stateDir,
    bundleSubnet: p.bundleSubnet,
    bundleGateway: p.bundleGateway,
    bundleIp: p.bundleIp,
    env: p.env,
    warnings: p.warnings,
    host: p.host,
    agentImage: p.agent.image,
    agentCommand: p.agent.command,
    // API 1 plans had no size: smolvm and docker ran them unlimited; these are only recorded.
    agentCpus: DEFAULT_AGENT_CPUS,
    agentMemoryMiB: DEFAULT_AGENT_MEMORY_MIB,
    bundle: {
      placement: "docker",
      ...p.bundle,
      ...(p.egressNetwork ? { egressNetwork: p.egressNetwork } : {}),
      allow: p.egress.allow,
      // API 1 plans predate the audit cap: the default applies.
      auditMaxMb: DEFAULT_AUDIT_MAX_MB,
      hostAddresses: [],
      caCertPath: p.caCertPath,
      // Both API 1 backends pointed the agent at the bundle's DNS sink.
      dnsSink: true,
    },
  };
  return { core, rest };
}
