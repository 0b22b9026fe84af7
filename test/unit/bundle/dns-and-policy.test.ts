import { expect, test } from "bun:test";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { queryName, refusedAnswer } from "../../../src/bundle/serve/dns-sink.ts";
import { Policy } from "../../../src/bundle/serve/policy.ts";
import { manifestRules, parseRules } from "../../../src/bundle/serve/config.ts";
import { parseAuthority } from "../../../src/bundle/serve/proxy.ts";
import { tempDir } from "../../helpers/cli.ts";
import { dnsQuery } from "../../helpers/dns.ts";


test("a REFUSED answer keeps ID and question, sets QR, copies RD, rcode 5, no answers", () => {
  const answer = refusedAnswer(dnsQuery("secret.exfil.test"))!;
  expect(answer.readUInt16BE(0)).toBe(0xbeef);
  expect(answer[2]! & 0x80).toBe(0x80);
  expect(answer[2]! & 0x01).toBe(0x01);
  expect(answer[3]! & 0x0f).toBe(5);
  expect([answer.readUInt16BE(4), answer.readUInt16BE(6)]).toEqual([1, 0]);
  expect(queryName(answer)).toBe("secret.exfil.test");
});

test("garbage packets get no answer or a bare one, never a crash", () => {
  expect(refusedAnswer(Buffer.from([1, 2, 3]))).toBeUndefined();
  expect(queryName(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200, 1]))).toBe("?");
  expect(refusedAnswer(Buffer.alloc(12))!.length).toBe(12);
});

test.each([
  ["example.com:443", { host: "example.com", port: 443 }],
  ["[::1]:8080", { host: "[::1]", port: 8080 }],
  ["example.com", undefined],
  ["example.com:0", undefined],
  ["example.com:99999", undefined],
  ["a b:1", undefined],
  ["http://x:1", undefined],
])("parseAuthority(%p)", (text, expected) => {
  expect(parseAuthority(text)).toEqual(expected);
});

test("approvals: once is spent, ttl expires, always persists and survives a reload", async () => {
  const dir = tempDir();
  let now = 1_000_000;
  const path = join(dir, "approved.json");
  const policy = new Policy(manifestRules(parseRules(["a.example.com"])), path, { fs: nodeFs, now: () => now });
  await policy.load();
  const once = await policy.approve("b.example.com", "once");
  expect(policy.active().map((r) => r.rule.source)).toEqual(["a.example.com", "b.example.com"]);
  policy.consume(once);
  expect(policy.active().map((r) => r.rule.source)).toEqual(["a.example.com"]);
  await policy.approve("c.example.com", "ttl", 60);
  now += 61_000;
  expect(policy.active().map((r) => r.rule.source)).toEqual(["a.example.com"]);
  await policy.approve("d.example.com:8443", "always");
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(["d.example.com:8443"]);
  const restarted = new Policy(manifestRules(parseRules(["a.example.com"])), path, { fs: nodeFs });
  await restarted.load();
  expect(restarted.active().map((r) => r.rule.source)).toEqual(["a.example.com", "d.example.com:8443"]);
  await restarted.deny("d.example.com:8443");
  expect(JSON.parse(readFileSync(path, "utf8"))).toEqual([]);
});

test("requests: asked once per host, answered by an approval", async () => {
  const policy = new Policy([], join(tempDir(), "approved.json"), { fs: nodeFs });
  const first = policy.ask("pypi.org", 443, "pip install");
  expect(policy.ask("pypi.org", 443, "again").id).toBe(first.id);
  await policy.approve("pypi.org", "ttl", 60);
  expect(policy.list()[0]!.status).toBe("allowed");
  const second = policy.ask("evil.test", 443, "please");
  await policy.deny(second.id);
  expect(policy.list()[1]!.status).toBe("denied");
});
