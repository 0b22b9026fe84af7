/**
 * A canary in a push through a whole bundle on loopback (serveBundle, with credential material):
 * refused with git's `(canary)`, counted in /status per credential, and with on_canary = "stop"
 * the bundle's egress is cut too.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { createCa } from "../../../src/bundle/bundle-ca.ts";
import { bundleMaterial } from "../../../src/bundle/credential-material.ts";
import { buildMirror } from "../../../src/workspace/mirror.ts";
import { startBundle, rawExchange } from "../../helpers/bundle.ts";
import { hostDeps } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk, userRepo } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";

const ca = await createCa("gate-canary");
const SENTINEL = `sk-ant-api03-${"Gat3".repeat(23)}AA`;

test("a sentinel in a pushed commit: refused, counted in /status, and on_canary = stop cuts egress", async () => {
  const dir = tempDir("gate-bundle");
  const mirror = join(dir, "mirror.git");
  await buildMirror(hostDeps, { repo: await userRepo(), refs: [], path: mirror });
  const material = bundleMaterial({
    specs: [{ name: "ANTHROPIC_API_KEY", source: { kind: "env", name: "K" }, hosts: ["api.test"], header: "x-api-key", schemes: [] }],
    values: new Map([["ANTHROPIC_API_KEY", `sk-ant-api03-${"R3al".repeat(23)}AA`]]),
    sentinels: { ANTHROPIC_API_KEY: SENTINEL },
    inspect: [],
    ca,
    upstreamCa: [],
  });
  const workspace = { mirror, quarantine: join(dir, "quarantine"), push: ["claude/*"], exposed: ["refs/heads/main"], maxBytes: 1 << 26, maxObjects: 10_000 };
  const bundle = await startBundle(["api.test"], { resolve: async () => ["198.51.100.7"] }, { config: { workspace, onCanary: "stop" }, files: { "credentials.json": JSON.stringify(material) } });
  const env = gitEnv();
  const clone = join(tempDir("agent"), "w");
  await gitOk(["clone", "-q", `http://127.0.0.1:${bundle.ports.gitGate}/workspace.git`, clone], { env });
  await commitFile(clone, "a.txt", "a\n", `leak ${SENTINEL}`);
  const pushed = await git(["push", "origin", "HEAD:claude/leak"], { cwd: clone, env });
  expect(pushed.stderr).toContain("! [remote rejected] HEAD -> claude/leak (canary)");
  const status = JSON.parse((await bundle.supervise("GET", "/status")).body);
  expect(status.counters.canaryHits).toBe(1);
  expect(status.canaries).toEqual({ ANTHROPIC_API_KEY: 1 });
  const after = await rawExchange(bundle.ports.proxy, "GET http://api.test/ HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n");
  // api.test is allowed: the 403 is the stop, and the audit says which rule refused it.
  expect(after).toStartWith("HTTP/1.1 403");
  await bundle.audit.flushed();
  const lines = (await Bun.file(join(bundle.dir, "audit.jsonl")).text()).trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.find((line) => line.host === "api.test")).toMatchObject({ decision: "deny", rule: "canary-stop" });
  expect(lines.find((line) => line.kind === "git" && line.canary)).toMatchObject({ decision: "refused", reason: "canary", canary: "ANTHROPIC_API_KEY" });
  await bundle.close();
});
