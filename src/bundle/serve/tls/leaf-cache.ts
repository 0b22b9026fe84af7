/**
 * Leaves minted in the bundle, for `[egress] inspect` wildcards only (exact hosts come minted by
 * `up`, whose CA key then stays on the host): each for exactly the CONNECT host, all on one
 * P-256 key made at start, their SecureContexts kept in a small LRU and minted again well before
 * the leaf's 99 days run out.
 */
import { generateKeyPairSync } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import { mintLeaf, type Issuer } from "./mint-leaf.ts";

export const LEAF_CACHE_SIZE = 256;
/** A cached leaf older than this is minted again (it is valid for 99 days). */
export const REMINT_MS = 30 * 86_400_000;

const LABEL = "[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?";
const MINTABLE = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`);

/** A name a wildcard leaf may be minted for: lowercase DNS labels (underscores tolerated), ≤ 253. */
export function mintableName(host: string): boolean {
  return host.length <= 253 && MINTABLE.test(host);
}

export class LeafCache {
  private readonly entries = new Map<string, { readonly context: SecureContext; readonly minted: number }>();
  private readonly key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  /** How many leaves were minted (not served from the cache): for tests and /status. */
  minted = 0;

  constructor(
    private readonly issuer: Issuer,
    private readonly size = LEAF_CACHE_SIZE,
    private readonly now: () => number = Date.now,
  ) {}

  /** The context for `host`, minted on first use or when stale; throws for a name no leaf may carry. */
  context(host: string): SecureContext {
    if (!mintableName(host)) throw new Error(`cannot mint a leaf for ${JSON.stringify(host)}`);
    const now = this.now();
    const hit = this.entries.get(host);
    this.entries.delete(host);
    const entry = hit && now - hit.minted < REMINT_MS ? hit : this.mint(host, now);
    this.entries.set(host, entry);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return entry.context;
  }

  private mint(host: string, now: number): { context: SecureContext; minted: number } {
    const leaf = mintLeaf(this.issuer, host, { key: this.key, now: new Date(now) });
    this.minted++;
    return { context: createSecureContext({ cert: leaf.cert, key: leaf.key }), minted: now };
  }

  /** The hosts held, least recently used first. */
  get hosts(): string[] {
    return [...this.entries.keys()];
  }
}
