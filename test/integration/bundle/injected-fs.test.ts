/** The bundle server reads and writes its files through the Fs it is given, like everything else. */
import { afterEach, expect, test } from "bun:test";
import { basename } from "node:path";
import type { Fs } from "../../../src/core/fs.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { rawExchange, startBundle } from "../../helpers/bundle.ts";
import { closeGates, startGate } from "../../helpers/gate.ts";
import { commitFile, gitEnv, gitOk } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";

afterEach(closeGates);

/** nodeFs, with every call named in `touched` (`what` words the path). */
function recordingFs(touched: string[], what: (path: string) => string = basename): Fs {
  const note = (verb: string, path: string) => touched.push(`${verb} ${what(path)}`);
  return {
    ...nodeFs,
    readText: (path) => (note("read", path), nodeFs.readText(path)),
    readTextIfExists: (path) => (note("read", path), nodeFs.readTextIfExists(path)),
    writeAtomic: (path, contents, mode) => (note("write", path), nodeFs.writeAtomic(path, contents, mode)),
    append: (path, contents, mode) => (note("append", path), nodeFs.append(path, contents, mode)),
    size: (path) => (note("size", path), nodeFs.size(path)),
    move: (from, to) => (note("move", to), nodeFs.move(from, to)),
    makeDir: (path, mode) => (note("makeDir", path), nodeFs.makeDir(path, mode)),
    listDir: (path) => (note("list", path), nodeFs.listDir(path)),
    remove: (path) => (note("remove", path), nodeFs.remove(path)),
  };
}

test("config, token, credential material and approvals go through the injected Fs", async () => {
  const touched: string[] = [];
  const bundle = await startBundle(["api.example.com"], { fs: recordingFs(touched) });
  expect(touched).toEqual(expect.arrayContaining(["read bundle.json", "read supervise.token", "read approved.json", "read credentials.json"]));
  expect((await bundle.supervise("POST", "/allow", { rule: "pypi.org", mode: "always" })).status).toBe(200);
  expect(touched).toContain("write approved.json");
});

test("the audit file and its rotation go through the injected Fs", async () => {
  const touched: string[] = [];
  const bundle = await startBundle([], { fs: recordingFs(touched), auditLimits: { maxBytes: 600, rotated: 1 } });
  for (let i = 0; i < 4; i++) await rawExchange(bundle.ports.proxy, `CONNECT denied${i}.test:443 HTTP/1.1\r\n\r\n`);
  await bundle.close();
  expect(touched).toEqual(expect.arrayContaining(["size audit.jsonl", "append audit.jsonl", "remove audit.jsonl.1", "move audit.jsonl.1"]));
});

test("the git gate's quarantine and the mirror's refs go through the injected Fs", async () => {
  const touched: string[] = [];
  const inState = (path: string) => path.replace(/^.*\/(?=quarantine\/|mirror\.git\/|audit\.jsonl)/, "");
  const gate = await startGate({ fs: recordingFs(touched, inState) });
  const env = gitEnv();
  const dir = `${tempDir("agent")}/workspace`;
  await gitOk(["clone", "-q", gate.url, dir], { env });
  await commitFile(dir, "fix.txt", "fixed\n");
  await gitOk(["push", "-q", "origin", "HEAD:claude/fix"], { cwd: dir, env });
  const [record] = await gate.importNow();
  const id = record?.id ?? "none";
  expect(touched).toEqual(expect.arrayContaining([
    "list quarantine/pushes",
    "read mirror.git/info/refs",
    `move quarantine/pushes/${id}.pack`,
    `write quarantine/pushes/${id}.json`,
    "append audit.jsonl",
  ]));
});
