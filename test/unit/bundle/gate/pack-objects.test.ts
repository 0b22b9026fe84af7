/** Reading a pack's objects whole: against packs real git writes (deltas included), and hostile ones. */
import { expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { applyDelta, packObjects, PackReadError } from "../../../../src/bundle/serve/gate/pack-objects.ts";
import { readFileSync } from "node:fs";
import { tempDir } from "../../../helpers/cli.ts";
import { commitFile, gitOk, userRepo } from "../../../helpers/git.ts";
import { join } from "node:path";

function packOf(objects: Buffer[]): Buffer {
  const header = Buffer.alloc(12);
  header.write("PACK", 0, "latin1");
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const body = Buffer.concat([header, ...objects]);
  return Buffer.concat([body, createHash("sha1").update(body).digest()]);
}

/** One pack entry: type 3 (blob) with its size header, then `data` deflated (or `raw` as the stream). */
function blobEntry(size: number, stream: Buffer): Buffer {
  const bytes = [0x30 | (size & 15)];
  let rest = Math.floor(size / 16);
  if (rest > 0) bytes[0]! |= 0x80;
  while (rest > 0) {
    bytes.push((rest & 127) | (rest > 127 ? 0x80 : 0));
    rest = Math.floor(rest / 128);
  }
  return Buffer.concat([Buffer.from(bytes), stream]);
}

test.each([["REF_DELTA", []], ["OFS_DELTA", ["--delta-base-offset"]]])("every object of a pack git wrote with %s reads back as git stores it", async (_kind, flags) => {
  const repo = await userRepo(1);
  const text = randomBytes(30_000).toString("base64");
  for (let round = 0; round < 4; round++) await commitFile(repo, "big.txt", `${text}\nround ${round}\n`);
  const out = join(tempDir("packs"), "p");
  const hash = await gitOk(["pack-objects", "-q", "--revs", ...(flags as string[]), out], { cwd: repo, input: "HEAD\n" });
  const pack = readFileSync(`${out}-${hash}.pack`);
  const count = pack.readUInt32BE(8);
  const objects = packObjects(pack, count, 64 * 1024 * 1024);
  const ids = objects.map((object) => createHash("sha1").update(`${object.type} ${object.data.length}\0`).update(object.data).digest("hex")).sort();
  const all = (await gitOk(["rev-list", "--objects", "HEAD"], { cwd: repo })).split("\n").map((line) => line.slice(0, 40)).sort();
  expect(ids).toEqual(all);
  // The pack really did hold deltas: it is far smaller than its objects.
  expect(pack.length).toBeLessThan(objects.reduce((sum, object) => sum + object.data.length, 0) / 2);
});

test.each([
  ["a stream that does not inflate", packOf([blobEntry(5, Buffer.from("not zlib at all"))]), 1, "an object does not inflate"],
  ["a size that lies", packOf([blobEntry(9, deflateSync(Buffer.from("hello")))]), 1, "an object"],
  ["fewer objects than the header says", packOf([blobEntry(5, deflateSync(Buffer.from("hello")))]), 2, "the pack ends before its last object"],
  ["an invalid type", packOf([Buffer.concat([Buffer.from([0x55]), deflateSync(Buffer.from("hello"))])]), 1, "object type 5 is not valid"],
])("%s is a PackReadError", (_name, pack, count, message) => {
  expect(() => packObjects(pack, count, 1024)).toThrow(PackReadError);
  expect(() => packObjects(pack, count, 1024)).toThrow(message);
});

test("inflating past the bound is refused, not held", () => {
  const data = Buffer.alloc(4096, 97);
  expect(() => packObjects(packOf([blobEntry(4096, deflateSync(data))]), 1, 1000)).toThrow("its objects inflate past 1000 bytes");
});

test("applyDelta: copies and inserts; a copy past the base, a short result or a zero opcode is refused", () => {
  const base = Buffer.from("hello world");
  // source 11, target 10: copy offset 0 size 5 ("hello"), insert 5 bytes "THERE".
  expect(applyDelta(base, Buffer.from([11, 10, 0x90, 5, 5, ...Buffer.from("THERE")])).toString()).toBe("helloTHERE");
  expect(() => applyDelta(base, Buffer.from([11, 10, 0x91, 8, 5]))).toThrow("a delta copies past its base");
  expect(() => applyDelta(base, Buffer.from([11, 10, 0x90, 5]))).toThrow("a delta's result is short of its size");
  expect(() => applyDelta(base, Buffer.from([11, 1, 0]))).toThrow("a delta has a zero opcode");
  expect(() => applyDelta(base, Buffer.from([3, 1, 1, 65]))).toThrow("a delta does not fit its base");
});
