/**
 * IPv4 CIDR arithmetic. Pure. Addresses are unsigned 32-bit numbers internally and
 * dotted quads at the edges.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit number (host bits zero). */
  readonly base: number;
  readonly prefix: number;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a strict dotted quad ("10.0.0.1"); undefined for anything else (no octal, no shorthand). */
export function parseIpv4(text: string): number | undefined {
  const match = QUAD.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith("0")) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Size of a block with this prefix. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * Parses "a.b.c.d/n". With `strict`, host bits must be zero ("10.0.0.1/8" is refused);
 * otherwise they are masked off (routing tables and docker print such forms).
 */
export function parseCidr(text: string, strict = true): CidrParse {
  const [address, prefixText, ...rest] = text.trim().split("/");
  if (address === undefined || prefixText === undefined || rest.length > 0 || !/^\d{1,2}$/.test(prefixText)) {
    return { ok: false, reason: `"${text}" is not an IPv4 CIDR like 192.168.0.0/16` };
  }
  const ip = parseIpv4(address);
  const prefix = Number(prefixText);
  if (ip === undefined || prefix > 32) return { ok: false, reason: `"${text}" is not an IPv4 CIDR like 192.168.0.0/16` };
  const base = ip - (ip % blockSize(prefix));
  if (strict && base !== ip) {
    return { ok: false, reason: `"${text}" has host bits set; did you mean ${formatIpv4(base)}/${prefix}?` };
  }
  return { ok: true, cidr: { base, prefix } };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

export function cidrContains(cidr: Cidr, ip: number): boolean {
  return ip >= cidr.base && ip < cidr.base + blockSize(cidr.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + blockSize(b.prefix) && b.base < a.base + blockSize(a.prefix);
}
