/**
 * The answer of `GET /why`: the decision the proxy would take, taken without resolving anything.
 * A name a rule admits is reported as such, with the rule, and the note that the name is resolved
 * only when the agent connects (and refused then if it lands in a guarded or private range).
 * Resolving here would let the agent make the bundle query any name it likes. Pure.
 */
import type { OwnNetworks } from "./address.ts";
import { decideWithoutResolving, type PolicyRule } from "./decide.ts";

export function whyAnswer(
  host: string,
  port: number,
  rules: readonly PolicyRule[],
  own: OwnNetworks,
): Record<string, unknown> {
  const verdict = decideWithoutResolving(host, port, rules, own);
  if (verdict.allowed === "if-resolved") {
    const note = "resolved only when a connection is made; refused then if every address is guarded or private";
    return {
      host,
      port,
      decision: "allow",
      rule: verdict.rule.rule.source,
      origin: verdict.rule.origin,
      resolves: true,
      note,
    };
  }
  if (verdict.allowed)
    return {
      host,
      port,
      decision: "allow",
      rule: verdict.rule.rule.source,
      origin: verdict.rule.origin,
      address: verdict.address,
    };
  return {
    host,
    port,
    decision: "deny",
    rule: verdict.rule,
    reason: verdict.reason,
    ...(verdict.address ? { address: verdict.address } : {}),
  };
}
