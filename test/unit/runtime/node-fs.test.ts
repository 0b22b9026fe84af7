import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { tempDir } from "../../helpers/cli.ts";

test("writeAtomic writes the exact mode whatever the umask", async () => {
  const dir = tempDir();
  await nodeFs.writeAtomic(join(dir, "secret"), "k", 0o600);
  expect(statSync(join(dir, "secret")).mode & 0o777).toBe(0o600);
  await nodeFs.writeAtomic(join(dir, "public"), "p", 0o644);
  expect(statSync(join(dir, "public")).mode & 0o777).toBe(0o644);
});

test("a failed writeAtomic leaves the old file and no temp file", async () => {
  const dir = tempDir();
  const target = join(dir, "Smolfile");
  mkdirSync(target); // rename onto a directory fails half way through the write
  await expect(nodeFs.writeAtomic(target, "new", 0o600)).rejects.toThrow();
  expect(readdirSync(dir)).toEqual(["Smolfile"]);
  expect(statSync(target).isDirectory()).toBe(true);
});

test("writeAtomic replaces, never appends", async () => {
  const dir = tempDir();
  const target = join(dir, "f");
  writeFileSync(target, "old old old");
  await nodeFs.writeAtomic(target, "new", 0o600);
  expect(readFileSync(target, "utf8")).toBe("new");
});

test("listDir of a missing path or a file is empty", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "file"), "");
  expect(await nodeFs.listDir(join(dir, "nope"))).toEqual([]);
  expect(await nodeFs.listDir(join(dir, "file"))).toEqual([]);
});
