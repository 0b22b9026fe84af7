import { expect, test } from "bun:test";
import { compiledSelf, currentHost } from "../../../src/runtime/host.ts";

test.each([
  ["/$bunfs/root/claude-bottle-linux-x64", "/usr/local/bin/claude-bottle"],
  ["B:/~BUN/root/claude-bottle.exe", "/usr/local/bin/claude-bottle"],
  ["B:\\~BUN\\root\\claude-bottle.exe", "/usr/local/bin/claude-bottle"],
  ["/work/src/main.ts", undefined],
  ["/home/u/$bunfs/main.ts", undefined],
  [undefined, undefined],
] as const)("compiledSelf(%p) is %p", (entry, expected) => {
  expect(compiledSelf(entry, "/usr/local/bin/claude-bottle")).toBe(expected);
});

test("run from source (this test), the host is not a compiled binary", () => {
  expect(currentHost().selfBinary).toBeUndefined();
});
