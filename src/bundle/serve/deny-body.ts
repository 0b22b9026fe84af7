/** The text a denied agent reads: what was blocked, by which rule, and how to ask. Pure. */

export interface DenyContext {
  readonly bottle: string;
  readonly bundleIp: string;
  readonly supervisePort: number;
  readonly method: string;
  readonly host: string;
  readonly port: number;
  readonly rule: string;
  readonly reason: string;
}

export function denyBody(d: DenyContext): string {
  const target = `${d.host}:${d.port}`;
  const ask = JSON.stringify({ host: d.host, port: d.port, reason: "<why you need it>" });
  return [
    `claude-bottle blocked ${d.method} ${target}`,
    `rule: ${d.rule}`,
    `why: ${d.reason}`,
    "This is a policy decision, not a network fault: retrying, other proxies or --noproxy will not get through.",
    `Why, and what would be allowed: curl -s 'http://${d.bundleIp}:${d.supervisePort}/why?host=${encodeURIComponent(d.host)}&port=${d.port}'`,
    `To ask a human for access: curl -s -X POST http://${d.bundleIp}:${d.supervisePort}/requests -H 'content-type: application/json' -d '${ask}'`,
    `On the host, a human can allow it with: claude-bottle allow ${d.bottle} ${target}`,
    "",
  ].join("\n");
}
