/** The bundle server reads and writes its files through the Fs it is given, like everything else. */
import { expect, test } from "bun:test";
import { basename } from "node:path";
import type { Fs } from "../../../src/core/fs.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { startBundle } from "../../helpers/bundle.ts";

test("config, token, credential material and approvals go through the injected Fs", async () => {
  const touched: string[] = [];
  const fs: Fs = {
    ...nodeFs,
    readText: (path) => (touched.push(`read ${basename(path)}`), nodeFs.readText(path)),
    readTextIfExists: (path) => (touched.push(`read ${basename(path)}`), nodeFs.readTextIfExists(path)),
    writeAtomic: (path, contents, mode) => (touched.push(`write ${basename(path)}`), nodeFs.writeAtomic(path, contents, mode)),
  };
  const bundle = await startBundle(["api.example.com"], { fs });
  expect(touched).toEqual(expect.arrayContaining(["read bundle.json", "read supervise.token", "read approved.json", "read credentials.json"]));
  expect((await bundle.supervise("POST", "/allow", { rule: "pypi.org", mode: "always" })).status).toBe(200);
  expect(touched).toContain("write approved.json");
});
