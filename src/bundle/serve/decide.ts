/**
 * The egress decision: may the agent reach host:port, and at which address? Pure but for the
 * injected resolver. The address returned is the one to dial: the check is on the address
 * actually dialled, so a second DNS answer cannot slip past it (no rebinding window).
 *
 * Order: the guard first (own networks, loopback, link-local, metadata: no rule opens these),
 * then the rules, then the default block on private ranges (a CIDR rule may open those).
 */
import type { Cidr } from "../../core/cidr.ts";
import { cidrContains } from "../../core/cidr.ts";
import type { EgressRule } from "../../core/egress-rule.ts";
import { blockedReason, classifyHost, guardedReason, NO_OWN_NETWORKS, type OwnNetworks } from "./address.ts";

export type Resolver = (name: string) => Promise<string[]>;
/** Resolves a name a rule admitted; the rule is passed so wildcard resolutions can be budgeted. */
export type RuleResolver = (name: string, rule: PolicyRule) => Promise<string[]>;

export interface PolicyRule {
  readonly id: string;
  readonly rule: EgressRule;
  /** Where it came from: the manifest, or a human's approval. */
  readonly origin: "manifest" | "approved";
  readonly once?: boolean;
  readonly expiresAt?: number;
}

export type Denial = {
  readonly allowed: false;
  readonly kind: "policy" | "ssrf" | "resolve" | "limit";
  readonly rule: string;
  readonly reason: string;
  readonly address?: string;
};

export type Decision = { readonly allowed: true; readonly rule: PolicyRule; readonly address: string } | Denial;

/** A decision taken without resolving: either final, or "this rule admits the name, once resolved". */
export type Verdict = Decision | { readonly allowed: "if-resolved"; readonly rule: PolicyRule; readonly name: string };

/** A resolver failure that names the rule which refused (e.g. the wildcard resolution budget). */
export class ResolveRefused extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

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
  return rules.find(
    (r) =>
      r.rule.kind === "cidr" && portMatches(r.rule, port) && cidrContains(r.rule.cidr as Cidr, ipv4Number(address)),
  );
}

/**
 * Host names the proxy will resolve: LDH labels (and "_"). Anything else — a NUL that the C
 * resolver would cut the name at, "%", spaces, non-ASCII — could make the name that matched a
 * rule differ from the name resolved, so it is refused before any rule is looked at.
 */
const RESOLVABLE_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function guardDenial(address: string, why: string): Denial {
  return {
    allowed: false,
    kind: "ssrf",
    rule: "ssrf-guard",
    reason: `${address} is ${why}; no rule can admit it`,
    address,
  };
}

/** One address, checked: guard, then a CIDR rule, then the default block on private ranges. */
function judgeAddress(
  address: string,
  port: number,
  rules: readonly PolicyRule[],
  own: OwnNetworks,
): { ok: true; cidrRule?: PolicyRule } | { ok: false; why: string; guarded: boolean } {
  const guarded = guardedReason(address, own);
  if (guarded) return { ok: false, why: guarded, guarded: true };
  const byCidr = cidrRuleFor(rules, address, port);
  if (byCidr) return { ok: true, cidrRule: byCidr };
  const blocked = blockedReason(address);
  return blocked ? { ok: false, why: blocked, guarded: false } : { ok: true };
}

/** An IP literal: guarded, admitted by a CIDR rule, private, or not in the allowlist. */
function decideLiteral(address: string, port: number, rules: readonly PolicyRule[], own: OwnNetworks): Decision {
  const judged = judgeAddress(address, port, rules, own);
  if (judged.ok && judged.cidrRule) return { allowed: true, rule: judged.cidrRule, address };
  if (!judged.ok && judged.guarded) return guardDenial(address, judged.why);
  if (!judged.ok) {
    const reason = `${address} is ${judged.why}; only a CIDR rule can admit it`;
    return { allowed: false, kind: "ssrf", rule: "ssrf-guard", reason, address };
  }
  const reason = `no allowlist entry matches ${address}:${port} (IP literals need a CIDR rule)`;
  return { allowed: false, kind: "policy", rule: "default-deny", reason };
}

/** The decision as far as it can be taken without resolving a name: what `/why` answers. */
export function decideWithoutResolving(
  host: string,
  port: number,
  rules: readonly PolicyRule[],
  own: OwnNetworks = NO_OWN_NETWORKS,
): Verdict {
  const target = classifyHost(host);
  if (target.kind === "name" && !RESOLVABLE_NAME.test(target.name)) {
    return {
      allowed: false,
      kind: "policy",
      rule: "malformed-host",
      reason: `${JSON.stringify(target.name)} is not a valid host name`,
    };
  }
  if (target.kind !== "name") return decideLiteral(target.address, port, rules, own);
  const byName = rules.find((r) => portMatches(r.rule, port) && nameMatches(r.rule, target.name));
  if (!byName)
    return {
      allowed: false,
      kind: "policy",
      rule: "default-deny",
      reason: `no allowlist entry matches ${target.name}:${port}`,
    };
  return { allowed: "if-resolved", rule: byName, name: target.name };
}

async function resolveAndJudge(
  name: string,
  port: number,
  byName: PolicyRule,
  rules: readonly PolicyRule[],
  resolve: RuleResolver,
  own: OwnNetworks,
): Promise<Decision> {
  let addresses: string[];
  try {
    addresses = await resolve(name, byName);
  } catch (error) {
    const rule = error instanceof ResolveRefused ? error.rule : byName.rule.source;
    return {
      allowed: false,
      kind: error instanceof ResolveRefused ? "limit" : "resolve",
      rule,
      reason: `cannot resolve ${name}: ${(error as Error).message}`,
    };
  }
  if (addresses.length === 0)
    return { allowed: false, kind: "resolve", rule: byName.rule.source, reason: `${name} has no address` };
  const refused: string[] = [];
  let guarded = 0;
  for (const address of addresses) {
    const judged = judgeAddress(address, port, rules, own);
    if (judged.ok) return { allowed: true, rule: byName, address };
    if (judged.guarded) guarded++;
    refused.push(`${address} (${judged.why})`);
  }
  return {
    allowed: false,
    kind: "ssrf",
    rule: "ssrf-guard",
    reason: `${name} resolves only to ${refused.join(", ")}; ${refusedTail(guarded, refused.length)}`,
  };
}

function refusedTail(guarded: number, refused: number): string {
  if (guarded === 0) return "only a CIDR rule can admit it";
  return guarded === refused ? "no rule can admit those" : "a CIDR rule can admit only the private ones";
}

export async function decide(
  host: string,
  port: number,
  rules: readonly PolicyRule[],
  resolve: RuleResolver,
  own: OwnNetworks = NO_OWN_NETWORKS,
): Promise<Decision> {
  const verdict = decideWithoutResolving(host, port, rules, own);
  if (verdict.allowed !== "if-resolved") return verdict;
  return resolveAndJudge(verdict.name, port, verdict.rule, rules, resolve, own);
}
