/**
 * What an address is, for the SSRF guard. Pure. Every way of spelling an IPv4 literal that the
 * C resolver accepts (inet_aton: 1–4 parts, decimal, 0x hex, 0 octal) is read as what it is,
 * so "127.1", "0x7f000001" and "2130706433" are loopback, not host names.
 */
import { isIPv4, isIPv6 } from "node:net";
import { cidrContains, formatIpv4, parseCidr, type Cidr } from "../../core/cidr.ts";

function parsePart(text: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : Number.parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return Number.parseInt(text, 8);
  if (/^[1-9][0-9]*$/.test(text)) return Number(text);
  return undefined;
}

/** inet_aton(3): the IPv4 address a host string denotes, if it is a numeric literal. */
export function inetAton(host: string): string | undefined {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((part) => part === "")) return undefined;
  const values = parts.map(parsePart);
  if (values.some((value) => value === undefined)) return undefined;
  const numbers = values as number[];
  const last = numbers[numbers.length - 1]!;
  const head = numbers.slice(0, -1);
  if (head.some((value) => value > 255) || last >= 2 ** (8 * (5 - numbers.length))) return undefined;
  const value = head.reduce((sum, octet, i) => sum + octet * 2 ** (8 * (3 - i)), 0) + last;
  return formatIpv4(value);
}

/** A host as the proxy will dial it: an IPv4/IPv6 literal normalised, or a lowercase name. */
export type HostKind =
  | { kind: "ipv4"; address: string }
  | { kind: "ipv6"; address: string }
  | { kind: "name"; name: string };

export function classifyHost(raw: string): HostKind {
  const host = raw
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
  if (isIPv6(host)) return { kind: "ipv6", address: host };
  const v4 = isIPv4(host) ? host : inetAton(host);
  if (v4) return { kind: "ipv4", address: v4 };
  return { kind: "name", name: host };
}

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
};

/**
 * IPv4 ranges no rule, approval or config can open: the bundle would be talking to itself, its
 * host, or a cloud's metadata service. CIDR rules are checked only after these.
 */
export const GUARDED_V4: readonly { readonly cidr: Cidr; readonly why: string }[] = [
  { cidr: cidr("0.0.0.0/8"), why: "this-network" },
  { cidr: cidr("127.0.0.0/8"), why: "loopback" },
  { cidr: cidr("169.254.0.0/16"), why: "link-local / cloud metadata" },
  { cidr: cidr("100.100.100.200/32"), why: "cloud metadata" },
  { cidr: cidr("168.63.129.16/32"), why: "cloud metadata" },
  { cidr: cidr("192.0.0.192/32"), why: "cloud metadata" },
  { cidr: cidr("224.0.0.0/4"), why: "multicast" },
  { cidr: cidr("240.0.0.0/4"), why: "reserved / broadcast" },
];

/** Private IPv4 ranges refused by default: a CIDR rule may admit these (and only these). */
export const BLOCKED_V4: readonly { readonly cidr: Cidr; readonly why: string }[] = [
  { cidr: cidr("10.0.0.0/8"), why: "private (RFC 1918)" },
  { cidr: cidr("100.64.0.0/10"), why: "carrier-grade NAT (RFC 6598)" },
  { cidr: cidr("172.16.0.0/12"), why: "private (RFC 1918)" },
  { cidr: cidr("192.0.0.0/24"), why: "IETF protocol assignments" },
  { cidr: cidr("192.168.0.0/16"), why: "private (RFC 1918)" },
  { cidr: cidr("198.18.0.0/15"), why: "benchmarking" },
];

function ipv4Number(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** Expands an IPv6 address into 8 numbers. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const n = ipv4Number(v4Tail[1]!);
    text = text.replace(v4Tail[1]!, `${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`);
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((group) => Number.parseInt(group, 16));
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 well-known or local-use), if any. */
export function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const v4 = () => formatIpv4(g[6]! * 65536 + g[7]!);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return g[5] === 0 && g[6] === 0 && g[7]! <= 1 ? undefined : v4();
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4();
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return v4();
  return undefined;
}

/** An IPv6 prefix, for the bundle's own IPv6 networks. */
export interface Ipv6Range {
  readonly groups: readonly number[];
  readonly prefix: number;
}

/** The bundle's own networks (its interfaces' subnets and the planned bottle subnet). */
export interface OwnNetworks {
  readonly v4: readonly Cidr[];
  readonly v6: readonly Ipv6Range[];
}

export const NO_OWN_NETWORKS: OwnNetworks = { v4: [], v6: [] };

export function parseIpv6Range(text: string): Ipv6Range | undefined {
  const [address = "", prefixText = "128"] = text.split("/");
  const prefix = Number(prefixText);
  if (!isIPv6(address) || !Number.isInteger(prefix) || prefix < 0 || prefix > 128) return undefined;
  return { groups: ipv6Groups(address.toLowerCase()), prefix };
}

function ipv6InRange(groups: readonly number[], range: Ipv6Range): boolean {
  for (let bit = 0; bit < range.prefix; bit += 16) {
    const width = Math.min(16, range.prefix - bit);
    const mask = (0xffff << (16 - width)) & 0xffff;
    if ((groups[bit / 16]! & mask) !== (range.groups[bit / 16]! & mask)) return false;
  }
  return true;
}

/**
 * Why no rule may ever admit an address: the bundle's own networks, loopback, link-local, cloud
 * metadata, unspecified, multicast; IPv6 forms that carry such an IPv4 address are read as it.
 */
export function guardedReason(address: string, own: OwnNetworks = NO_OWN_NETWORKS): string | undefined {
  if (isIPv4(address)) {
    const n = ipv4Number(address);
    if (own.v4.some((subnet) => cidrContains(subnet, n))) return "the bundle's own network";
    return GUARDED_V4.find((range) => cidrContains(range.cidr, n))?.why;
  }
  if (!isIPv6(address)) return "not an IP address";
  const embedded = embeddedIpv4(address);
  if (embedded) return guardedReason(embedded, own);
  const g = ipv6Groups(address);
  if (own.v6.some((range) => ipv6InRange(g, range))) return "the bundle's own network";
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0xfd00 && g[1] === 0x0ec2) return "cloud metadata";
  return undefined;
}

/** Why an address is refused unless a CIDR rule admits it (private ranges), or undefined. */
export function blockedReason(address: string): string | undefined {
  if (isIPv4(address)) {
    const n = ipv4Number(address);
    return BLOCKED_V4.find((range) => cidrContains(range.cidr, n))?.why;
  }
  if (!isIPv6(address)) return "not an IP address";
  const embedded = embeddedIpv4(address);
  if (embedded) return blockedReason(embedded);
  const g = ipv6Groups(address);
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique local (private)";
  return undefined;
}
