/**
 * Bundle subnet derivation, shared by every backend. Pure and deterministic.
 *
 * The rule: hash the slug (SHA-256, first 4 bytes big-endian) and take it modulo the number of
 * /24 blocks in the pool; that block is the first candidate. Blocks whose third octet is 17 are
 * never used (docker's defaults collide there). From the candidate, probe forward block by block,
 * wrapping at the end of the pool, to the first block that overlaps no subnet in use on the host
 * (routes, docker networks, other bottles). The gateway is .1, the bundle .2.
 */
import { createHash } from "node:crypto";
import { ConfigError } from "./errors.ts";
import { blockSize, cidrsOverlap, formatCidr, formatIpv4, parseCidr, type Cidr } from "./cidr.ts";

export interface BundleSubnet {
  readonly subnet: string;
  readonly gateway: string;
  readonly bundleIp: string;
}

export interface SubnetInUse {
  readonly cidr: string;
  readonly owner?: string;
}

const SKIPPED_THIRD_OCTET = 17;

/** The `index`-th address of a /24 such as "192.168.9.0/24": 1 is the gateway, 2 the bundle, 3 the agent. */
export function addressInSubnet(subnet: string, index: number): string {
  const parsed = parseCidr(subnet);
  if (!parsed.ok || index < 0 || index >= blockSize(parsed.cidr.prefix)) throw new RangeError(`no address ${index} in ${subnet}`);
  return formatIpv4(parsed.cidr.base + index);
}

/** The first candidate block index for a slug in a pool of `blocks` /24s. */
export function slugBlockIndex(slug: string, blocks: number): number {
  return createHash("sha256").update(slug).digest().readUInt32BE(0) % blocks;
}

/** Subnets in use, indexed: /24-or-smaller entries by their /24 block, wider ones listed. */
interface TakenIndex {
  readonly byBlock: ReadonlyMap<number, readonly (string | undefined)[]>;
  readonly wide: readonly { readonly cidr: Cidr; readonly owner: string | undefined }[];
}

// Facts are gathered once and planned against many times (`ls`, a crowded host): index each
// facts list once. A memo of a pure function; the list is never mutated by the planner.
const indexCache = new WeakMap<readonly SubnetInUse[], TakenIndex>();

function takenIndex(inUse: readonly SubnetInUse[]): TakenIndex {
  const cached = indexCache.get(inUse);
  if (cached) return cached;
  const byBlock = new Map<number, (string | undefined)[]>();
  const wide: { cidr: Cidr; owner: string | undefined }[] = [];
  for (const entry of inUse) {
    const parsed = parseCidr(entry.cidr, false);
    if (!parsed.ok) continue;
    if (parsed.cidr.prefix >= 24) {
      const block = parsed.cidr.base - (parsed.cidr.base % 256);
      byBlock.set(block, [...(byBlock.get(block) ?? []), entry.owner]);
    } else {
      wide.push({ cidr: parsed.cidr, owner: entry.owner });
    }
  }
  const index = { byBlock, wide };
  indexCache.set(inUse, index);
  return index;
}

function usableBlock(block: Cidr, taken: TakenIndex, slug: string): boolean {
  const thirdOctet = Math.floor(block.base / 256) % 256;
  if (thirdOctet === SKIPPED_THIRD_OCTET) return false;
  if (taken.byBlock.get(block.base)?.some((owner) => owner !== slug)) return false;
  return !taken.wide.some((entry) => entry.owner !== slug && cidrsOverlap(entry.cidr, block));
}

/**
 * The bundle /24 for `slug` inside `pool` (parsed once, by the manifest schema), avoiding `inUse`
 * (entries owned by this slug are its own and ignored). Throws ConfigError when the pool is
 * smaller than a /24 or full.
 */
export function bundleSubnet(slug: string, pool: Cidr, inUse: readonly SubnetInUse[]): BundleSubnet {
  if (pool.prefix > 24) {
    throw new ConfigError("E_POOL_INVALID", `Cannot derive a subnet for "${slug}" from pool "${formatCidr(pool)}"`, [
      { path: "bundle.subnet_pool", message: "is smaller than one /24" },
    ]);
  }
  const taken = takenIndex(inUse);
  const blocks = blockSize(pool.prefix) / 256;
  const start = slugBlockIndex(slug, blocks);
  for (let step = 0; step < blocks; step++) {
    const block: Cidr = { base: pool.base + ((start + step) % blocks) * 256, prefix: 24 };
    if (usableBlock(block, taken, slug)) {
      return { subnet: formatCidr(block), gateway: formatIpv4(block.base + 1), bundleIp: formatIpv4(block.base + 2) };
    }
  }
  throw new ConfigError("E_POOL_EXHAUSTED", `Cannot find a free /24 for "${slug}" in pool "${formatCidr(pool)}"`, [
    { path: "bundle.subnet_pool", message: `every /24 in ${formatCidr(pool)} is in use on this host or skipped` },
  ], { hint: "set [bundle] subnet_pool to a larger or less crowded range, or remove unused bottles with claude-bottle down" });
}
