/**
 * git's pkt-line framing (gitprotocol-common): four hex digits giving the length including
 * themselves, then the payload; `0000` is a flush. Pure; hostile input is an error, never a throw
 * from deep inside.
 */

/** The largest pkt-line git sends or accepts: 65516 bytes of payload. */
export const MAX_PKT_LENGTH = 65520;

export type Pkt = { readonly kind: "flush" } | { readonly kind: "data"; readonly payload: Uint8Array };

export type PktRead =
  | { readonly ok: true; readonly pkt: Pkt; readonly next: number }
  | { readonly ok: true; readonly pkt: undefined; readonly next: number }
  | { readonly ok: false; readonly reason: string };

const HEX = /^[0-9a-f]{4}$/;

/**
 * Reads one pkt-line from `bytes` at `offset`. `pkt: undefined` means more bytes are needed.
 * Refuses non-hex lengths, the reserved lengths 0001–0003 (delim and response-end belong to
 * protocol v2, which a push never speaks) and anything over 65520.
 */
export function readPkt(bytes: Uint8Array, offset: number): PktRead {
  if (bytes.length - offset < 4) return { ok: true, pkt: undefined, next: offset };
  const head = String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (!HEX.test(head)) return { ok: false, reason: `bad pkt-line length ${JSON.stringify(head)}` };
  const length = Number.parseInt(head, 16);
  if (length === 0) return { ok: true, pkt: { kind: "flush" }, next: offset + 4 };
  if (length < 4) return { ok: false, reason: `unexpected special pkt-line ${head}` };
  if (length > MAX_PKT_LENGTH)
    return { ok: false, reason: `pkt-line of ${length} bytes is over the ${MAX_PKT_LENGTH} limit` };
  if (bytes.length - offset < length) return { ok: true, pkt: undefined, next: offset };
  return {
    ok: true,
    pkt: { kind: "data", payload: bytes.subarray(offset + 4, offset + length) },
    next: offset + length,
  };
}

/** One pkt-line holding `payload` (text is UTF-8 encoded). Throws on a payload too long to frame. */
export function pkt(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const length = body.length + 4;
  if (length > MAX_PKT_LENGTH) throw new RangeError(`pkt-line payload of ${body.length} bytes is too long`);
  const out = new Uint8Array(length);
  out.set(new TextEncoder().encode(length.toString(16).padStart(4, "0")), 0);
  out.set(body, 4);
  return out;
}

export const FLUSH = new TextEncoder().encode("0000");

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Wraps pkt-line bytes into side-band-64k band `band` (1 data, 2 progress, 3 error): the
 * payload is cut so each framed packet stays within the limit.
 */
export function sideBand(band: 1 | 2 | 3, data: Uint8Array): Uint8Array {
  const room = MAX_PKT_LENGTH - 5;
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += room) {
    const chunk = data.subarray(at, at + room);
    const framed = new Uint8Array(chunk.length + 1);
    framed[0] = band;
    framed.set(chunk, 1);
    parts.push(pkt(framed));
  }
  return concatBytes(parts);
}
