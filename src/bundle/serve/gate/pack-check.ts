/**
 * Checks a pack as it streams past, without holding it: the 12-byte header ("PACK", version 2
 * or 3, object count within the limit), the byte limit, and the SHA-1 trailer over everything
 * before it. What is inside the objects is the host's job (`git index-pack --strict`).
 * Synchronous hashing on `node:crypto`; no I/O.
 */
import { createHash, type Hash } from "node:crypto";

export interface PackLimits {
  readonly maxBytes: number;
  readonly maxObjects: number;
}

export type PackVerdict =
  | { readonly ok: true; readonly objects: number; readonly bytes: number; readonly checksum: string }
  | { readonly ok: false; readonly reason: string };

const TRAILER = 20;
const HEADER = 12;

export class PackCheck {
  private readonly hash: Hash = createHash("sha1");
  private header = new Uint8Array(0);
  /** The last bytes seen, held back because they may be the trailer. */
  private tail = new Uint8Array(0);
  private objects = -1;
  private failure: string | undefined;
  bytes = 0;

  constructor(private readonly limits: PackLimits) {}

  /** The first refusal, if any; once set, later chunks are only counted. */
  get failed(): string | undefined {
    return this.failure;
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.failure) return;
    if (this.bytes > this.limits.maxBytes) {
      this.failure = `pack is over the ${this.limits.maxBytes}-byte limit`;
      return;
    }
    if (this.objects < 0) this.readHeader(chunk);
    const joined = new Uint8Array(this.tail.length + chunk.length);
    joined.set(this.tail, 0);
    joined.set(chunk, this.tail.length);
    const keep = Math.min(TRAILER, joined.length);
    this.hash.update(joined.subarray(0, joined.length - keep));
    this.tail = joined.slice(joined.length - keep);
  }

  private readHeader(chunk: Uint8Array): void {
    const need = HEADER - this.header.length;
    const joined = new Uint8Array(this.header.length + Math.min(need, chunk.length));
    joined.set(this.header, 0);
    joined.set(chunk.subarray(0, need), this.header.length);
    this.header = joined;
    if (this.header.length < HEADER) return;
    const view = new DataView(this.header.buffer, this.header.byteOffset, HEADER);
    const magic = String.fromCharCode(...this.header.subarray(0, 4));
    const version = view.getUint32(4);
    const count = view.getUint32(8);
    if (magic !== "PACK") this.failure = "data after the commands is not a pack";
    else if (version !== 2 && version !== 3) this.failure = `pack version ${version} is not supported`;
    else if (count > this.limits.maxObjects)
      this.failure = `pack has ${count} objects, over the limit of ${this.limits.maxObjects}`;
    else this.objects = count;
  }

  /** The verdict once the body has ended. */
  finish(): PackVerdict {
    if (this.failure) return { ok: false, reason: this.failure };
    if (this.objects < 0 || this.bytes < HEADER + TRAILER) return { ok: false, reason: "pack is truncated" };
    const digest = this.hash.digest();
    const trailer = Buffer.from(this.tail);
    if (!digest.equals(trailer))
      return { ok: false, reason: "pack checksum does not match its trailer (truncated or corrupt)" };
    return { ok: true, objects: this.objects, bytes: this.bytes, checksum: digest.toString("hex") };
  }
}
