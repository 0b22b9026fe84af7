/** Hostile input for the streaming pack check: header, limits and the SHA-1 trailer, at every chunking. */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { PackCheck } from "../../../../src/bundle/serve/gate/pack-check.ts";

function pack(objects: number, body: Uint8Array, version = 2, magic = "PACK"): Uint8Array {
  const head = new Uint8Array(12);
  head.set(new TextEncoder().encode(magic), 0);
  new DataView(head.buffer).setUint32(4, version);
  new DataView(head.buffer).setUint32(8, objects);
  const content = new Uint8Array([...head, ...body]);
  return new Uint8Array([...content, ...createHash("sha1").update(content).digest()]);
}

function check(data: Uint8Array, chunk: number, limits = { maxBytes: 1 << 20, maxObjects: 100 }) {
  const checker = new PackCheck(limits);
  for (let at = 0; at < data.length; at += chunk) checker.push(data.subarray(at, at + chunk));
  return checker.finish();
}

const body = new Uint8Array(500).map((_, index) => (index * 7) % 256);
const good = pack(3, body);

describe("PackCheck", () => {
  test("a whole pack passes however it is chunked", () => {
    const checksum = Buffer.from(good.subarray(good.length - 20)).toString("hex");
    for (const chunk of [1, 2, 5, 11, 12, 13, 19, 20, 21, 64, good.length]) {
      expect(check(good, chunk)).toEqual({ ok: true, objects: 3, bytes: good.length, checksum });
    }
  });

  test("an empty pack (no objects) passes", () => {
    expect(check(pack(0, new Uint8Array(0)), 7)).toMatchObject({ ok: true, objects: 0, bytes: 32 });
  });

  test.each([
    ["a flipped byte in the body", (() => { const bad = good.slice(); bad[100] = (bad[100] as number) ^ 1; return bad; })(), "pack checksum does not match its trailer (truncated or corrupt)"],
    ["a flipped byte in the trailer", (() => { const bad = good.slice(); bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1; return bad; })(), "pack checksum does not match its trailer (truncated or corrupt)"],
    ["a truncated pack", good.subarray(0, good.length - 1), "pack checksum does not match its trailer (truncated or corrupt)"],
    ["a pack cut inside the header", good.subarray(0, 11), "pack is truncated"],
    ["nothing", new Uint8Array(0), "pack is truncated"],
    ["a header and no trailer", good.subarray(0, 12), "pack is truncated"],
    ["bytes appended after the trailer", new Uint8Array([...good, 0]), "pack checksum does not match its trailer (truncated or corrupt)"],
    ["the wrong magic", pack(3, body, 2, "KCAP"), "data after the commands is not a pack"],
    ["version 4", pack(3, body, 4), "pack version 4 is not supported"],
    ["version 1", pack(3, body, 1), "pack version 1 is not supported"],
    ["too many objects", pack(101, body), "pack has 101 objects, over the limit of 100"],
    ["2^32-1 objects", pack(0xffffffff, body), "pack has 4294967295 objects, over the limit of 100"],
  ])("refuses %s", (_name, data, reason) => {
    for (const chunk of [1, 5, 64]) expect(check(data, chunk)).toEqual({ ok: false, reason });
  });

  test("stops keeping data past the byte limit but keeps counting", () => {
    const checker = new PackCheck({ maxBytes: 100, maxObjects: 100 });
    checker.push(good.subarray(0, 90));
    expect(checker.failed).toBeUndefined();
    checker.push(good.subarray(90, 200));
    expect(checker.failed).toBe("pack is over the 100-byte limit");
    checker.push(good.subarray(200));
    expect(checker.bytes).toBe(good.length);
    expect(checker.finish()).toEqual({ ok: false, reason: "pack is over the 100-byte limit" });
  });
});
