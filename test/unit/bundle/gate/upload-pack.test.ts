/** upload-pack's pure parts: the request parser (hostile input included), negotiation answers, pack choice, idx names. */
import { expect, test } from "bun:test";
import { concatBytes, FLUSH, pkt } from "../../../../src/bundle/serve/gate/pkt-line.ts";
import { finalAnswer, negotiationAnswer, neededPacks, parseUploadRequest, type MirrorPack } from "../../../../src/bundle/serve/gate/upload-pack.ts";
import { idxObjectNames } from "../../../../src/workspace/pack-tips.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

test("a clone's request: wants with capabilities on the first, a flush, done", () => {
  const body = concatBytes([pkt(`want ${A} multi_ack_detailed side-band-64k ofs-delta agent=git/2.39\n`), pkt(`want ${B}\n`), FLUSH, pkt("done\n")]);
  expect(parseUploadRequest(body)).toEqual({ wants: [A, B], haves: [], capabilities: ["multi_ack_detailed", "side-band-64k", "ofs-delta", "agent=git/2.39"], done: true });
});

test.each([
  ["a shallow line", concatBytes([pkt(`want ${A}\n`), pkt(`shallow ${B}\n`), FLUSH]), "shallow clones and fetches are not supported by the gate"],
  ["deepen-since", concatBytes([pkt(`want ${A}\n`), pkt("deepen-since 1700000000\n"), FLUSH]), "shallow clones and fetches are not supported by the gate"],
  ["a filter", concatBytes([pkt(`want ${A}\n`), pkt("filter blob:none\n"), FLUSH]), "partial clone (filter) is not supported by the gate"],
  ["a short id", concatBytes([pkt("want abc\n"), FLUSH]), 'unexpected line "want abc"'],
  ["no want", concatBytes([pkt(`have ${A}\n`), FLUSH]), "no want line"],
  ["a truncated pkt-line", new TextEncoder().encode("0032want"), "the request ends inside a pkt-line"],
  ["a bad length", new TextEncoder().encode("zzzz"), 'bad pkt-line length "zzzz"'],
])("%s is refused", (_name, body, reason) => {
  const parsed = parseUploadRequest(body);
  expect(typeof parsed).toBe("string");
  expect(parsed as string).toBe(reason);
});

const packs: MirrorPack[] = [
  { path: "/m/pack-1.pack", tips: [A] },
  { path: "/m/pack-2.pack", tips: [B, C] },
  { path: "/m/pack-3.pack", tips: undefined },
];

test("a pack is left out only when the client showed every one of its tips; one without tips always goes", () => {
  expect(neededPacks(packs, []).map((pack) => pack.path)).toEqual(["/m/pack-1.pack", "/m/pack-2.pack", "/m/pack-3.pack"]);
  expect(neededPacks(packs, [A, B]).map((pack) => pack.path)).toEqual(["/m/pack-2.pack", "/m/pack-3.pack"]);
  expect(neededPacks(packs, [A, B, C]).map((pack) => pack.path)).toEqual(["/m/pack-3.pack"]);
});

test("negotiation acknowledges the tips among the haves, then NAK; done acknowledges the last, or NAKs", () => {
  const round = { wants: [A], haves: ["d".repeat(40), B, A], capabilities: [], done: false };
  expect(text(negotiationAnswer(round, packs))).toBe(`0038ACK ${B} common\n0038ACK ${A} common\n0008NAK\n`);
  expect(text(finalAnswer({ ...round, done: true }, packs))).toBe(`0031ACK ${A}\n`);
  expect(text(finalAnswer({ ...round, haves: [], done: true }, packs))).toBe("0008NAK\n");
});

test("idxObjectNames reads a version-2 index and refuses anything else", () => {
  const fanout = Buffer.alloc(256 * 4);
  for (let index = 0xaa; index < 256; index++) fanout.writeUInt32BE(index >= 0xbb ? 2 : 1, index * 4);
  const idx = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, Buffer.from(A, "hex"), Buffer.from(B, "hex")]);
  expect(idxObjectNames(idx)).toEqual([A, B]);
  expect(() => idxObjectNames(Buffer.alloc(1100))).toThrow("not a version 2 pack index");
});
