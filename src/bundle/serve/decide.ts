/**
 * The egress decision: may the agent reach host:port, and at which address? Pure but for the
 * injected resolver. The address returned is the one to dial: the check is on the address
 * actually dialled, so a second DNS answer cannot slip past it (no rebinding window).
 */
import type { Cidr } from "../../core/cidr.ts";
import { cidrContains } from "../../core/cidr.ts";
import type { EgressRule } from "../../core/egress-rule.ts";
import { blockedReason, classifyHost } from "./address.ts";

export type Resolver = (name: string) => Promise<string[]>;

export interface PolicyRule {
  readonly id: string;
  readonly rule: EgressRule;
  /** Where it came from: the manifest, or a human's approval. */
  readonly origin: "manifest" | "approved";
  readonly once?: boolean;
  readonly expiresAt?: number;
}

export type Decision =
  | { readonly allowed: true; readonly rule: PolicyRule; readonly address: string }
  | { readonly allowed: false; readonly kind: "policy" | "ssrf" | "resolve"; readonly rule: string; readonly reason: string; readonly address?: string };

function portMatches(rule: EgressRule, port: number): boolean {
  return rule.ports.length === 0 || rule.ports.includes(port);
}

function nameMatches(rule: EgressRule, name: string): boolean {
  if (rule.kind === "host") return rule.host === name;
  if (rule.kind === "suffix") return name.endsWith(`.${rule.suffix}`);
  return false;
}

function ipv4Number(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function cidrRuleFor(rules: readonly PolicyRule[], address: string, port: number): PolicyRule | undefined {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return undefined;
  return rules.find((r) => r.rule.kind === "cidr" && portMatches(r.rule, port) && cidrContains(r.rule.cidr as Cidr, ipv4Number(address)));
}

/**
 * Host names the proxy will resolve: LDH labels (and "_"). Anything else — a NUL that the C
 * resolver would cut the name at, "%", spaces, non-ASCII — could make the name that matched a
 * rule differ from the name resolved, so it is refused before any rule is looked at.
 */
const RESOLVABLE_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

export async function decide(host: string, port: number, rules: readonly PolicyRule[], resolve: Resolver, ownSubnet?: Cidr): Promise<Decision> {
  const target = classifyHost(host);
  if (target.kind === "name" && !RESOLVABLE_NAME.test(target.name)) {
    return { allowed: false, kind: "policy", rule: "malformed-host", reason: `${JSON.stringify(target.name)} is not a valid host name` };
  }
  if (target.kind !== "name") {
    const byCidr = cidrRuleFor(rules, target.address, port);
    if (byCidr) return { allowed: true, rule: byCidr, address: target.address };
    const blocked = blockedReason(target.address, ownSubnet);
    if (blocked) return { allowed: false, kind: "ssrf", rule: "ssrf-guard", reason: `${target.address} is ${blocked}; only a CIDR rule can admit it`, address: target.address };
    return { allowed: false, kind: "policy", rule: "default-deny", reason: `no allowlist entry matches ${target.address}:${port} (IP literals need a CIDR rule)` };
  }
  const byName = rules.find((r) => portMatches(r.rule, port) && nameMatches(r.rule, target.name));
  if (!byName) return { allowed: false, kind: "policy", rule: "default-deny", reason: `no allowlist entry matches ${target.name}:${port}` };
  let addresses: string[];
  try {
    addresses = await resolve(target.name);
  } catch (error) {
    return { allowed: false, kind: "resolve", rule: byName.rule.source, reason: `cannot resolve ${target.name}: ${(error as Error).message}` };
  }
  const refused: string[] = [];
  for (const address of addresses) {
    const blocked = blockedReason(address, ownSubnet);
    if (!blocked || cidrRuleFor(rules, address, port)) return { allowed: true, rule: byName, address };
    refused.push(`${address} (${blocked})`);
  }
  return {
    allowed: false,
    kind: addresses.length === 0 ? "resolve" : "ssrf",
    rule: addresses.length === 0 ? byName.rule.source : "ssrf-guard",
    reason: addresses.length === 0 ? `${target.name} has no address` : `${target.name} resolves only to ${refused.join(", ")}; only a CIDR rule can admit it`,
  };
}
