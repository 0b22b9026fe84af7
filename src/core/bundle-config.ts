/**
 * The bundle's configuration file: rendered from a plan by the host, read by `claude-bottle
 * bundle serve` through the same schema, so both sides read every value alike (the subnet as a
 * Cidr, the allowlist as EgressRules). Pure. Holds no secrets: the agent could never read it
 * anyway, but logs might.
 */
import * as v from "valibot";
import { BUNDLE_PORTS } from "./agent-env.ts";
import type { CorePlan } from "./plan.ts";
import { CidrSchema, EgressRuleSchema } from "./value-schemas.ts";
import { parseUpstreamProxy } from "./upstream-proxy.ts";
import { MIRROR_IN_BUNDLE, PUSH_LIMITS, QUARANTINE_IN_BUNDLE, type WorkspacePlan } from "./workspace.ts";

export const BUNDLE_CONFIG_VERSION = 1;

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const seconds = v.pipe(v.number(), v.minValue(0.001), v.maxValue(604_800));

/** bundle.json may name the proxy, never its credentials (they come in the 0600 material). */
function addressOnly(text: string): boolean {
  const parsed = parseUpstreamProxy(text);
  return parsed.ok && parsed.proxy.authorization === undefined;
}

export const BundleConfigSchema = v.object({
  version: v.literal(BUNDLE_CONFIG_VERSION),
  bottle: v.string(),
  bundleIp: v.string(),
  /** The bottle's /24: the guard keeps it closed whatever a rule says, so it must parse. */
  subnet: CidrSchema,
  /** Address to listen on: 0.0.0.0 in the container; tests use 127.0.0.1. */
  listen: v.optional(v.string(), "0.0.0.0"),
  /** `dns` absent: the backend does not send the agent's queries here, so nothing listens for them. */
  ports: v.object({ proxy: port, gitGate: port, supervise: port, dns: v.optional(port) }),
  allow: v.array(EgressRuleSchema),
  /** The git gate's workspace, as the bundle sees it; absent when the bottle has none. */
  workspace: v.optional(
    v.object({
      mirror: v.string(),
      quarantine: v.string(),
      push: v.array(v.string()),
      exposed: v.array(v.string()),
      maxBytes: v.pipe(v.number(), v.integer(), v.minValue(1)),
      maxObjects: v.pipe(v.number(), v.integer(), v.minValue(1)),
      /** How long a push waits for the host keeper's verdict before it is accepted unchecked. */
      verdictWaitSeconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(300))),
    }),
  ),
  /** What DLP does with a strongly prefixed key or the bottle's own secret on its way out. */
  dlp: v.optional(v.picklist(["block", "warn", "off"]), "block"),
  /** What a canary hit does beyond refusing the request: "stop" ends all egress. */
  onCanary: v.optional(v.picklist(["block", "stop"]), "block"),
  /** Terminated hosts whose connections may pass a protocol upgrade (WebSocket). */
  upgrade: v.optional(v.array(v.string()), []),
  /** The operator's HTTP proxy every allowed connection goes through. */
  upstreamProxy: v.optional(
    v.pipe(v.string(), v.check(addressOnly, "must be http(s)://host:port, with no user or password")),
  ),
  /** Seconds: a dial, an idle tunnel or forwarded request, a supervise request body. Generous by default. */
  timeouts: v.optional(
    v.object({
      dialSeconds: v.optional(seconds, 30),
      idleSeconds: v.optional(seconds, 1800),
      bodySeconds: v.optional(seconds, 10),
    }),
    {},
  ),
  /** Total size of the audit files (current + rotated), in MiB. */
  auditMaxMb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000)), 50),
  /** The host's own addresses: guarded like the bundle's own networks. */
  hostAddresses: v.optional(v.array(CidrSchema), []),
});

/** The file as written (strings). */
export type BundleConfig = v.InferInput<typeof BundleConfigSchema>;
/** The file as read (typed values). */
export type LoadedBundleConfig = v.InferOutput<typeof BundleConfigSchema>;

/** The inspection settings the bundle needs, each only when it differs from the default. */
function inspectionConfig(plan: CorePlan): Partial<BundleConfig> {
  const inspection = plan.bundle.inspection;
  if (!inspection) return {};
  return {
    ...(inspection.dlp !== "block" ? { dlp: inspection.dlp } : {}),
    ...(inspection.onCanary !== "block" ? { onCanary: inspection.onCanary } : {}),
    ...(inspection.upgrade ? { upgrade: [...inspection.upgrade] } : {}),
    ...(inspection.upstreamProxy ? { upstreamProxy: inspection.upstreamProxy } : {}),
  };
}

/** The gate's view of the workspace: container paths, the agent's patterns, the exposed refs. */
function gateConfig(workspace: WorkspacePlan): NonNullable<BundleConfig["workspace"]> {
  return { mirror: MIRROR_IN_BUNDLE, quarantine: QUARANTINE_IN_BUNDLE, push: [...workspace.push], exposed: [...workspace.refs], ...PUSH_LIMITS };
}

export function bundleConfig(plan: CorePlan): BundleConfig {
  return {
    version: BUNDLE_CONFIG_VERSION,
    bottle: plan.slug,
    bundleIp: plan.bundleIp,
    subnet: plan.bundleSubnet,
    // A plan recorded before dnsSink was planned had a sink: only an explicit false drops it.
    ports: { ...BUNDLE_PORTS, ...(plan.bundle.dnsSink === false ? {} : { dns: 53 }) },
    allow: [...plan.bundle.allow],
    auditMaxMb: plan.bundle.auditMaxMb,
    ...(plan.bundle.timeouts ? { timeouts: { ...plan.bundle.timeouts } } : {}),
    ...inspectionConfig(plan),
    ...(plan.workspace ? { workspace: gateConfig(plan.workspace) } : {}),
    hostAddresses: [...plan.bundle.hostAddresses],
  };
}

/** The file as written: stable key order, trailing newline. */
export function renderBundleConfig(plan: CorePlan): string {
  return `${JSON.stringify(bundleConfig(plan), null, 2)}\n`;
}
