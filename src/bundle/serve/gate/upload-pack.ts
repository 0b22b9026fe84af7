/**
 * Smart-HTTP `git-upload-pack` (protocol v0; a v2 request header is ignored and git falls back),
 * with no git binary and without building a pack: the mirror keeps disjoint packs (the host
 * repacks when an import would overlap), each with `pack-<hash>.tips` naming the commits its
 * objects are reachable from. A fetch gets every pack whose tips the client does not all have,
 * concatenated under one header with the summed object count and a fresh SHA-1 trailer:
 * OFS_DELTA offsets are relative within a pack, so they stay valid. Negotiation is
 * multi_ack_detailed, acknowledging only pack tips; a pack whose tips the client did not show is
 * sent (more than needed, never less). Shallow, deepen and filter are refused.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { concatBytes, FLUSH, pkt, readPkt, sideBand } from "./pkt-line.ts";
import { parseInfoRefs } from "./gate-store.ts";
import type { Fs } from "../../../core/fs.ts";

const UPLOAD_CAPABILITIES = ["multi_ack_detailed", "side-band-64k", "ofs-delta", "no-progress", "object-format=sha1", "agent=claude-bottle-gate"];
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface UploadRequest {
  readonly wants: readonly string[];
  readonly haves: readonly string[];
  readonly capabilities: readonly string[];
  readonly done: boolean;
}

export interface MirrorPack {
  readonly path: string;
  readonly tips: readonly string[] | undefined;
}

/** The ref advertisement for `?service=git-upload-pack`: info/refs, HEAD as a symref. */
export async function uploadAdvertisement(fs: Fs, mirror: string): Promise<Uint8Array> {
  const refs = parseInfoRefs((await fs.readTextIfExists(join(mirror, "info", "refs"))) ?? "");
  const head = /^ref: (refs\/heads\/\S+)$/.exec(((await fs.readTextIfExists(join(mirror, "HEAD"))) ?? "").trim())?.[1];
  const headId = head ? refs.get(head) : undefined;
  const sorted = [...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const listed: [string, string][] = headId ? [["HEAD", headId], ...sorted] : sorted;
  const caps = [...UPLOAD_CAPABILITIES, ...(headId ? [`symref=HEAD:${head}`] : [])].join(" ");
  const lines =
    listed.length === 0
      ? [`${"0".repeat(40)} capabilities^{}\0${caps}\n`]
      : listed.map(([ref, id], index) => `${id} ${ref}${index === 0 ? `\0${caps}` : ""}\n`);
  return concatBytes([pkt("# service=git-upload-pack\n"), FLUSH, ...lines.map((line) => pkt(line)), FLUSH]);
}

/** Parses an upload-pack request; a string is the refusal git will print as "remote error". */
export function parseUploadRequest(body: Uint8Array): UploadRequest | string {
  const wants: string[] = [];
  const haves: string[] = [];
  let capabilities: string[] = [];
  let done = false;
  for (let at = 0; at < body.length; ) {
    const read = readPkt(body, at);
    if (!read.ok) return read.reason;
    if (read.pkt === undefined) return "the request ends inside a pkt-line";
    at = read.next;
    if (read.pkt.kind === "flush") continue;
    const line = new TextDecoder().decode(read.pkt.payload).replace(/\n$/, "");
    const [word, id, ...rest] = line.split(" ");
    if (word === "done") done = true;
    else if (word === "want" && /^[0-9a-f]{40}$/.test(id ?? "")) {
      if (wants.length === 0) capabilities = rest;
      wants.push(id as string);
    } else if (word === "have" && /^[0-9a-f]{40}$/.test(id ?? "")) haves.push(id as string);
    else if (word === "shallow" || word === "deepen" || word?.startsWith("deepen-")) return "shallow clones and fetches are not supported by the gate";
    else if (word === "filter") return "partial clone (filter) is not supported by the gate";
    else return `unexpected line ${JSON.stringify(line.slice(0, 80))}`;
  }
  if (wants.length === 0 && body.length > 0) return "no want line";
  return { wants, haves, capabilities, done };
}

/** The mirror's packs with their tips (undefined when a pack has no tips file: always sent). */
export async function mirrorPacks(fs: Fs, mirror: string): Promise<MirrorPack[]> {
  const listed = (await fs.readTextIfExists(join(mirror, "objects", "info", "packs"))) ?? "";
  const names = [...listed.matchAll(/^P (pack-[0-9a-f]{40})\.pack$/gm)].map((match) => match[1] as string);
  return Promise.all(
    names.map(async (name) => {
      const text = await fs.readTextIfExists(join(mirror, "objects", "pack", `${name}.tips`));
      const tips = text?.split("\n").filter((line) => /^[0-9a-f]{40}$/.test(line));
      return { path: join(mirror, "objects", "pack", `${name}.pack`), tips };
    }),
  );
}

/** One negotiation round's answer (no `done` yet): ACK each have that is a pack tip, then NAK. */
export function negotiationAnswer(request: UploadRequest, packs: readonly MirrorPack[]): Uint8Array {
  const tips = new Set(packs.flatMap((pack) => pack.tips ?? []));
  const common = request.haves.filter((id) => tips.has(id));
  return concatBytes([...common.map((id) => pkt(`ACK ${id} common\n`)), pkt("NAK\n")]);
}

/** The packs a client that has `haves` needs: those with a tip it did not show. Pure. */
export function neededPacks(packs: readonly MirrorPack[], haves: readonly string[]): MirrorPack[] {
  const had = new Set(haves);
  return packs.filter((pack) => pack.tips === undefined || !pack.tips.every((tip) => had.has(tip)));
}

function writeBanded(res: ServerResponse, banded: boolean, data: Uint8Array): Promise<void> {
  const framed = banded ? sideBand(1, data) : data;
  return new Promise((resolve) => (res.write(framed) ? resolve() : res.once("drain", () => resolve())));
}

/** Streams the packs as one: a header with the summed count, each pack's body, a fresh trailer. */
export async function sendPacks(res: ServerResponse, packs: readonly MirrorPack[], banded: boolean): Promise<number> {
  const sizes = await Promise.all(packs.map(async (pack) => (await stat(pack.path)).size));
  let count = 0;
  for (const pack of packs) {
    const handle = await open(pack.path, "r");
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0).finally(() => handle.close());
    count += head.readUInt32BE(8);
  }
  const hash = createHash("sha1");
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  hash.update(header);
  await writeBanded(res, banded, header);
  let sent = 12;
  for (const [index, pack] of packs.entries()) {
    const end = (sizes[index] as number) - 21;
    if (end < 12) continue;
    for await (const chunk of createReadStream(pack.path, { start: 12, end, highWaterMark: 65_000 })) {
      hash.update(chunk as Buffer);
      await writeBanded(res, banded, chunk as Buffer);
      sent += (chunk as Buffer).length;
    }
  }
  await writeBanded(res, banded, hash.digest());
  return sent + 20;
}

/** The answer once the client said `done`: ACK the last common tip (or NAK), then the packs. */
export function finalAnswer(request: UploadRequest, packs: readonly MirrorPack[]): Uint8Array {
  const tips = new Set(packs.flatMap((pack) => pack.tips ?? []));
  const last = request.haves.filter((id) => tips.has(id)).at(-1);
  return pkt(last ? `ACK ${last}\n` : "NAK\n");
}

export { MAX_REQUEST_BYTES };
