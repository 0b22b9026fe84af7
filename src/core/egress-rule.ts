/**
 * Egress allowlist rules as the manifest writes them. Pure.
 *   "api.anthropic.com"       exact host, ports 443 and 80
 *   "*.github.com"            any subdomain (not github.com itself), ports 443 and 80
 *   "registry.npmjs.org:443"  one port only
 *   "10.20.0.0/16"            an address range, any port: the only way to admit a private or
 *                             loopback address past the bundle's SSRF guard
 */
import { parseCidr, parseIpv4, type Cidr } from "./cidr.ts";

export type EgressRule =
  | { readonly kind: "host"; readonly source: string; readonly host: string; readonly ports: readonly number[] }
  | { readonly kind: "suffix"; readonly source: string; readonly suffix: string; readonly ports: readonly number[] }
  | { readonly kind: "cidr"; readonly source: string; readonly cidr: Cidr; readonly ports: readonly number[] };

export const DEFAULT_PORTS: readonly number[] = [443, 80];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(text: string): boolean {
  if (text.length > 253) return false;
  const labels = text.split(".");
  return labels.length >= 1 && labels.every((label) => LABEL.test(label));
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export type EgressRuleParse = { ok: true; rule: EgressRule } | { ok: false; reason: string };

/** Parses one allowlist entry; host names are compared lowercase. */
export function parseEgressRule(source: string): EgressRuleParse {
  const text = source.trim().toLowerCase();
  if (text.includes("/")) {
    const parsed = parseCidr(text);
    return parsed.ok ? { ok: true, rule: { kind: "cidr", source, cidr: parsed.cidr, ports: [] } } : parsed;
  }
  const colon = text.lastIndexOf(":");
  let host = text;
  let ports = DEFAULT_PORTS;
  if (colon !== -1) {
    const port = parsePort(text.slice(colon + 1));
    if (port === undefined) return { ok: false, reason: `"${source}" has a bad port; use host:1-65535` };
    host = text.slice(0, colon);
    ports = [port];
  }
  if (host.startsWith("*.")) {
    const suffix = host.slice(2);
    if (!isHostName(suffix) || !suffix.includes(".")) {
      return { ok: false, reason: `"${source}" is not a wildcard like *.example.com` };
    }
    return { ok: true, rule: { kind: "suffix", source, suffix, ports } };
  }
  if (parseIpv4(host) !== undefined) {
    return { ok: true, rule: { kind: "cidr", source, cidr: { base: parseIpv4(host)!, prefix: 32 }, ports } };
  }
  if (!isHostName(host) || /^[\d.]+$/.test(host)) {
    return { ok: false, reason: `"${source}" is not a host name, *.suffix wildcard, host:port or CIDR` };
  }
  return { ok: true, rule: { kind: "host", source, host, ports } };
}

/** How long `allow` (and POST /allow without ttlSeconds) admits a rule: one default, both sides. */
export const DEFAULT_APPROVAL_TTL_SECONDS = 3600;
