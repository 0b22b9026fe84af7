/**
 * The little DER (X.690) a certificate needs: a writer for the types a leaf uses and a reader
 * that walks a certificate's TLVs. Pure. Not a general ASN.1 library: no indefinite lengths,
 * no high tag numbers (neither occurs in a certificate).
 */

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV: `tag`, the length, then the concatenated `parts`. */
export function tlv(tag: number, ...parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const sequence = (...parts: readonly Buffer[]): Buffer => tlv(0x30, ...parts);
export const set = (...parts: readonly Buffer[]): Buffer => tlv(0x31, ...parts);
export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
export const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
/** A context-specific constructed ([n] EXPLICIT) wrapper. */
export const explicit = (n: number, ...parts: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...parts);
/** A context-specific primitive ([n] IMPLICIT) value. */
export const implicit = (n: number, bytes: Buffer): Buffer => tlv(0x80 | n, bytes);
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes);

/** An unsigned big-endian INTEGER, with the leading zero DER wants when the top bit is set. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128))
      chunk.unshift(0x80 | (value & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-25T00:34:46.123Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits));
}

/** One TLV as read: where its value lies in the buffer it came from. */
export interface Node {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** The TLV at `offset` of `der`; throws on a truncated or indefinite-length encoding. */
export function readNode(der: Buffer, offset: number): Node {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error("DER: truncated");
  let valueStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error("DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[valueStart + i] ?? 0);
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > der.length) throw new Error("DER: truncated");
  return { tag, start: offset, valueStart, end };
}

/** The TLVs directly inside a constructed node. */
export function children(der: Buffer, node: Node): Node[] {
  const found: Node[] = [];
  for (let offset = node.valueStart; offset < node.end; ) {
    const child = readNode(der, offset);
    found.push(child);
    offset = child.end;
  }
  return found;
}
