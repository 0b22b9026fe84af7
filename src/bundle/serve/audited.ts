/**
 * The two things the bundle does on the agent's behalf that are not connections, wired to the
 * audit: resolving names under wildcard rules (budgeted, each new name a line) and sinking DNS
 * queries (aggregated lines).
 */
import type { Audit } from "./audit.ts";
import type { Resolver, RuleResolver } from "./decide.ts";
import { dnsRecorder, type DnsAggregateOptions, type EVERY_QUERY } from "./dns-aggregate.ts";
import { createDnsSink, type DnsSink } from "./dns-sink.ts";
import { budgetedResolver, NameBudget, type NameBudgetOptions } from "./name-budget.ts";

type Counters = Record<string, number>;

export function auditedResolver(
  resolve: Resolver,
  budget: NameBudgetOptions | undefined,
  audit: Audit,
  bottle: string,
  counters: Counters,
): RuleResolver {
  return budgetedResolver(resolve, new NameBudget(budget), (resolution) => {
    if (resolution.outcome === "refused") counters["resolveRefused"] = (counters["resolveRefused"] ?? 0) + 1;
    const decision = resolution.outcome === "new" ? "allow" : resolution.outcome === "refused" ? "deny" : "error";
    const rule = resolution.outcome === "refused" ? "resolve-budget" : resolution.rule;
    const address = resolution.addresses?.join(",");
    audit.write({
      time: new Date().toISOString(),
      bottle,
      kind: "resolve",
      client: "bundle",
      host: resolution.name,
      decision,
      rule,
      ...(address ? { address } : {}),
    });
  });
}

/**
 * The DNS sink with its aggregated audit lines; a name `canaryIn` recognises is written at once,
 * on its own. `stop` ends the last window (call it before the audit's flush).
 */
export function auditedDnsSink(
  audit: Audit,
  bottle: string,
  counters: Counters,
  aggregate?: DnsAggregateOptions | typeof EVERY_QUERY,
  canaryIn: (name: string) => string | undefined = () => undefined,
): DnsSink & { stop: () => void } {
  const line = (name: string, client: string, transport: "udp" | "tcp") => ({
    time: new Date().toISOString(),
    bottle,
    kind: "dns" as const,
    client,
    host: name,
    method: transport,
  });
  const lines = dnsRecorder(({ name, client, transport, count, reason }) => {
    audit.write({
      ...line(name, client, transport),
      decision: "refused",
      rule: "dns-sink",
      count,
      ...(reason ? { reason } : {}),
    });
  }, aggregate);
  const sink = createDnsSink((name, client, transport) => {
    counters["dnsRefused"] = (counters["dnsRefused"] ?? 0) + 1;
    const canary = canaryIn(name);
    if (canary)
      audit.write({ ...line(name, client, transport), decision: "refused", rule: "canary", canary, count: 1 });
    else lines.record(name, client, transport);
  });
  return { ...sink, stop: lines.stop };
}
