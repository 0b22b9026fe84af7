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
  if (verdict.allowed === false) {
    const address = verdict.address ? { address: verdict.address } : {};
    return { host, port, decision: "deny", rule: verdict.rule, reason: verdict.reason, ...address };
  }
  const allowed = { host, port, decision: "allow", rule: verdict.rule.rule.source, origin: verdict.rule.origin };
  if (verdict.allowed === true) return { ...allowed, address: verdict.address };
  const note = "resolved only when a connection is made; refused then if every address is guarded or private";
  return { ...allowed, resolves: true, note };
}
