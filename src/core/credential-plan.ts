/**
 * The plan's credential part: each credential's sentinel (the guest variable's value), the
 * hosts added to the allowlist, and what the bundle's config says about inspection. Pure: the
 * real values are never an input, only their shapes when `up` has read them.
 */
import { dirname, isAbsolute, join } from "node:path";
import type { CredentialSpec, SecretSource } from "./credentials.ts";
import type { HostFacts } from "./host-facts.ts";
import type { Bottle } from "./load-manifest.ts";
import type { InspectionPlan } from "./plan.ts";
import { parseUpstreamProxy } from "./upstream-proxy.ts";
import { DEFAULT_SHAPE, KNOWN_SHAPES, sentinelFor, sentinelSeed } from "./sentinel.ts";

function from(source: SecretSource): string {
  if (source.kind === "env") return `env ${source.name}`;
  if (source.kind === "file") return `file ${source.path}`;
  return `command ${source.argv.join(" ")}`;
}

function sentinelOf(spec: CredentialSpec, facts: HostFacts, seed: string): string {
  const shape = facts.credentialShapes?.[spec.name] ?? KNOWN_SHAPES[spec.name] ?? DEFAULT_SHAPE;
  return sentinelFor(shape, seed, spec.name);
}

/** The proxy's address for the plan; its user and password stay out (only `up` reads them). */
function proxyPlan(text: string | undefined): Pick<InspectionPlan, "upstreamProxy" | "upstreamProxyAuth"> {
  const parsed = text === undefined ? undefined : parseUpstreamProxy(text);
  if (!parsed?.ok) return {};
  return { upstreamProxy: parsed.address, ...(parsed.proxy.authorization ? { upstreamProxyAuth: true } : {}) };
}

/** The inspection plan, or undefined when the manifest asks for nothing of it. */
export function planInspection(bottle: Bottle, facts: HostFacts): InspectionPlan | undefined {
  const { credentials, egress } = bottle.manifest;
  const used =
    credentials.list.length > 0 ||
    egress.inspect.length > 0 ||
    egress.dlp !== "block" ||
    egress.upstream_proxy !== undefined ||
    egress.upstream_ca.length > 0;
  if (!used) return undefined;
  const seed = sentinelSeed(facts.home, bottle.slug);
  const manifestDir = dirname(bottle.manifestPath);
  return {
    credentials: credentials.list.map((spec) => ({
      name: spec.name,
      hosts: spec.hosts,
      header: spec.header,
      schemes: spec.schemes,
      from: from(spec.source),
      sentinel: sentinelOf(spec, facts, seed),
    })),
    onCanary: credentials.onCanary,
    inspect: egress.inspect,
    ...(egress.upgrade.length > 0 ? { upgrade: egress.upgrade } : {}),
    dlp: egress.dlp,
    ...proxyPlan(egress.upstream_proxy),
    upstreamCa: egress.upstream_ca.map((path) => (isAbsolute(path) ? path : join(manifestDir, path))),
  };
}

/** The guest variables that hold sentinels. */
export function sentinelEnv(inspection: InspectionPlan | undefined): Record<string, string> {
  return Object.fromEntries(
    (inspection?.credentials ?? []).map((credential) => [credential.name, credential.sentinel]),
  );
}

/** The allowlist with every credential's hosts added (once each, after the manifest's own). */
export function allowWithCredentialHosts(allow: readonly string[], inspection: InspectionPlan | undefined): string[] {
  const hosts = (inspection?.credentials ?? []).flatMap((credential) => credential.hosts);
  return [...new Set([...allow, ...hosts])];
}
