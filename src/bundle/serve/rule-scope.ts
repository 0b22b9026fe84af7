/**
 * What an allowlist rule would open, said before it is applied. A CIDR broader than a /16 is
 * refused unless forced; a CIDR that lies wholly in a guarded range is refused always (it could
 * never admit anything). The same check runs in `claude-bottle allow` and in POST /allow. Pure.
 */
import { blockSize, cidrsOverlap, formatCidr, type Cidr } from "../../core/cidr.ts";
import type { EgressRule } from "../../core/egress-rule.ts";
import { BLOCKED_V4, GUARDED_V4 } from "./address.ts";

/** The broadest CIDR `allow` takes without --force. */
export const WIDEST_UNFORCED_PREFIX = 16;

function within(inner: Cidr, outer: Cidr): boolean {
  return outer.prefix <= inner.prefix && cidrsOverlap(inner, outer);
}

function overlapping(cidr: Cidr, table: typeof BLOCKED_V4): string[] {
  return table
    .filter((range) => cidrsOverlap(cidr, range.cidr))
    .map((range) => `${formatCidr(range.cidr)} (${range.why})`);
}

/** What the rule would expose, in words, or undefined for a host or wildcard rule. */
export function ruleExposure(rule: EgressRule): string | undefined {
  if (rule.kind !== "cidr") return undefined;
  const cidr = rule.cidr;
  const privateRanges = overlapping(cidr, BLOCKED_V4);
  const addresses = blockSize(cidr.prefix).toLocaleString("en-US");
  const parts = [`${addresses} addresses`];
  if (privateRanges.length > 0) parts.push(`including ${privateRanges.join(", ")}`);
  return parts.join(", ");
}

/**
 * Why the rule may not be applied (`force` lifts only the breadth limit), or undefined. Guarded
 * ranges inside a broad rule stay refused by the proxy whatever this says.
 */
export function ruleRefusal(rule: EgressRule, force: boolean): { reason: string; forcible: boolean } | undefined {
  if (rule.kind !== "cidr") return undefined;
  const guarded = GUARDED_V4.find((range) => within(rule.cidr, range.cidr));
  if (guarded)
    return {
      reason: `${formatCidr(rule.cidr)} lies in ${formatCidr(guarded.cidr)} (${guarded.why}), which no rule can open`,
      forcible: false,
    };
  if (rule.cidr.prefix >= WIDEST_UNFORCED_PREFIX || force) return undefined;
  const exposure = ruleExposure(rule)!;
  return {
    reason: `${formatCidr(rule.cidr)} is broader than a /${WIDEST_UNFORCED_PREFIX}: it would expose ${exposure}`,
    forcible: true,
  };
}
