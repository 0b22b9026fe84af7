/**
 * The objects of a pack, whole: each entry's zlib stream inflated and every delta (OFS_DELTA,
 * and REF_DELTA against an object of the same pack: the gate advertises no-thin) applied to its
 * base, so a search sees exactly the bytes git will store. Pure, on a pack already in memory and
 * already checked (header, trailer); throws PackReadError on anything malformed.
 */
import { createHash } from "node:crypto";
import { inflateSync } from "node:zlib";

export type ObjectType = "commit" | "tree" | "blob" | "tag";
const TYPES: Record<number, ObjectType> = { 1: "commit", 2: "tree", 3: "blob", 4: "tag" };
const OFS_DELTA = 6;
const REF_DELTA = 7;

export class PackReadError extends Error {}

interface Entry {
  readonly offset: number;
  readonly kind: number;
  readonly size: number;
  readonly base?: number | string;
  readonly data: Buffer;
}

export interface PackObject {
  readonly type: ObjectType;
  readonly data: Buffer;
}

function inflated(pack: Buffer, at: number, size: number): { data: Buffer; used: number } {
  try {
    const out = inflateSync(pack.subarray(at), { info: true, maxOutputLength: Math.max(size, 1) }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (out.buffer.length !== size) throw new PackReadError("an object's size does not match its header");
    return { data: out.buffer, used: out.engine.bytesWritten };
  } catch (error) {
    if (error instanceof PackReadError) throw error;
    throw new PackReadError(`an object does not inflate: ${(error as Error).message}`);
  }
}

function entryAt(pack: Buffer, offset: number, end: number): { entry: Entry; next: number } {
  let at = offset;
  let byte = pack[at++] ?? 0;
  const kind = (byte >> 4) & 7;
  let size = byte & 15;
  for (let shift = 4; byte & 128; shift += 7) {
    if (at >= end || shift > 35) throw new PackReadError("an object header runs past the pack");
    byte = pack[at++] as number;
    size += (byte & 127) * 2 ** shift;
  }
  let base: number | string | undefined;
  if (kind === OFS_DELTA) {
    byte = pack[at++] ?? 0;
    let back = byte & 127;
    while (byte & 128) {
      if (at >= end) throw new PackReadError("a delta offset runs past the pack");
      byte = pack[at++] as number;
      back = (back + 1) * 128 + (byte & 127);
    }
    if (back <= 0 || back > offset) throw new PackReadError("a delta's base lies outside the pack");
    base = offset - back;
  } else if (kind === REF_DELTA) {
    base = pack.subarray(at, at + 20).toString("hex");
    at += 20;
  } else if (!TYPES[kind]) {
    throw new PackReadError(`object type ${kind} is not valid`);
  }
  const { data, used } = inflated(pack, at, size);
  return { entry: { offset, kind, size, ...(base === undefined ? {} : { base }), data }, next: at + used };
}

function varint(delta: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = delta[at++] ?? 0;
    value += (byte & 127) * 2 ** shift;
    shift += 7;
  } while (byte & 128 && at < delta.length);
  return [value, at];
}

/** git's delta format: source size, target size, then copy (from the base) and insert ops. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let [sourceSize, at] = varint(delta, 0);
  let targetSize;
  [targetSize, at] = varint(delta, at);
  if (sourceSize !== base.length) throw new PackReadError("a delta does not fit its base");
  const out = Buffer.alloc(targetSize);
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++] as number;
    if (op & 128) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += (delta[at++] ?? 0) * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (16 << bit)) size += (delta[at++] ?? 0) * 2 ** (8 * bit);
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || written + size > targetSize) throw new PackReadError("a delta copies past its base");
      base.copy(out, written, offset, offset + size);
      written += size;
    } else if (op > 0) {
      if (at + op > delta.length || written + op > targetSize) throw new PackReadError("a delta inserts past its end");
      delta.copy(out, written, at, at + op);
      at += op;
      written += op;
    } else {
      throw new PackReadError("a delta has a zero opcode");
    }
  }
  if (written !== targetSize) throw new PackReadError("a delta's result is short of its size");
  return out;
}

function objectId(type: ObjectType, data: Buffer): string {
  return createHash("sha1").update(`${type} ${data.length}\0`).update(data).digest("hex");
}

/**
 * Every object of `pack` (with its 12-byte header and 20-byte trailer), deltas resolved, in no
 * particular order. `maxInflated` bounds the bytes held at once; past it, PackReadError.
 */
export function packObjects(pack: Buffer, count: number, maxInflated: number): PackObject[] {
  const end = pack.length - 20;
  const entries: Entry[] = [];
  let held = 0;
  for (let at = 12, index = 0; index < count; index++) {
    if (at >= end) throw new PackReadError("the pack ends before its last object");
    const { entry, next } = entryAt(pack, at, end);
    held += entry.data.length;
    if (held > maxInflated) throw new PackReadError(`its objects inflate past ${maxInflated} bytes`);
    entries.push(entry);
    at = next;
  }
  const resolved = new Map<number, PackObject>();
  const byId = new Map<string, PackObject>();
  const keep = (entry: Entry, object: PackObject) => {
    resolved.set(entry.offset, object);
    byId.set(objectId(object.type, object.data), object);
  };
  for (const entry of entries) if (entry.base === undefined) keep(entry, { type: TYPES[entry.kind] as ObjectType, data: entry.data });
  let waiting = entries.filter((entry) => entry.base !== undefined);
  while (waiting.length > 0) {
    const before = waiting.length;
    waiting = waiting.filter((entry) => {
      const base = typeof entry.base === "number" ? resolved.get(entry.base) : byId.get(entry.base as string);
      if (!base) return true;
      const data = applyDelta(base.data, entry.data);
      held += data.length;
      if (held > maxInflated) throw new PackReadError(`its objects inflate past ${maxInflated} bytes`);
      keep(entry, { type: base.type, data });
      return false;
    });
    if (waiting.length === before) throw new PackReadError("a delta's base is not in the pack");
  }
  return [...resolved.values()];
}
