/** The audit file stays within its bounds, and what it cannot keep is counted, never lost silently. */
import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Audit, type AuditEvent } from "../../../src/bundle/serve/audit.ts";
import { DnsAggregator, type DnsLine } from "../../../src/bundle/serve/dns-aggregate.ts";
import { nodeFs } from "../../../src/runtime/node-fs.ts";
import { tempDir } from "../../helpers/cli.ts";

const event = (i: number): AuditEvent => ({ time: "2026-11-25T00:00:00.000Z", bottle: "b", kind: "connect", client: "c", host: `h${i}.example.com`, decision: "deny", rule: "default-deny" });

test("rotation: audit.jsonl, then .1 (newest) … .N (oldest), 0600, the total under the cap, the removal written down", async () => {
  const dir = tempDir("audit-rot");
  const path = join(dir, "audit.jsonl");
  const audit = new Audit({ path, fs: nodeFs }, { limits: { maxBytes: 12_000, rotated: 2 } });
  for (let i = 0; i < 600; i++) {
    audit.write(event(i));
    if (i % 7 === 0) await audit.flushed(); // batches of different sizes
  }
  await audit.flushed();
  expect(readdirSync(dir).sort()).toEqual(["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
  const total = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
  expect(total).toBeLessThanOrEqual(12_000 + 3 * 300);
  for (const name of readdirSync(dir)) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
  // Newest last: the current file ends with the last event, .1 holds what came just before.
  const current = readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(current.at(-1).host).toBe("h599.example.com");
  const previous = readFileSync(`${path}.1`, "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(Number(previous.at(-1).host.slice(1, -12)) + 1).toBe(Number(current.find((e) => e.kind === "connect").host.slice(1, -12)));
  const stats = audit.stats();
  expect(stats.rotations).toBeGreaterThan(3);
  expect(stats.rotatedOutBytes).toBeGreaterThan(0);
  const notes = [path, `${path}.1`, `${path}.2`].flatMap((file) => readFileSync(file, "utf8").trim().split("\n")).map((line) => JSON.parse(line)).filter((e) => e.kind === "audit");
  expect(notes.length).toBeGreaterThan(0);
  expect(notes[0]).toMatchObject({ decision: "dropped", rule: "audit-limits" });
  expect(notes[0].reason).toMatch(/^the oldest rotated audit file \(\d+ bytes\) was removed to stay under 12000 bytes$/);
});

test("a write that fails is counted and logged; the next one that works says how many lines were lost", async () => {
  const dir = tempDir("audit-fail");
  const missing = join(dir, "not-yet");
  const logged: string[] = [];
  const audit = new Audit({ path: join(missing, "audit.jsonl"), fs: nodeFs }, { log: (line) => logged.push(line) });
  for (let i = 0; i < 3; i++) audit.write(event(i));
  await audit.flushed();
  expect(audit.stats()).toMatchObject({ writeErrors: 1, droppedLines: 3 });
  expect(logged).toHaveLength(1);
  expect(logged[0]).toStartWith("bundle: cannot write the audit log (1 failures, 3 lines lost so far): ENOENT");
  mkdirSync(missing);
  audit.write(event(3));
  await audit.flushed();
  const lines = readFileSync(join(missing, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({ kind: "audit", decision: "dropped", count: 3 });
  expect(lines[0].reason).toStartWith("3 audit lines were dropped: writing ");
  expect(lines[1].host).toBe("h3.example.com");
});

test("DNS aggregation: first query of a name at once, repeats summed at the window's end, the rest one line", () => {
  const lines: DnsLine[] = [];
  const aggregator = new DnsAggregator((line) => lines.push(line), { windowMs: 10_000, maxNames: 2 });
  for (const name of ["a.test", "a.test", "b.test", "c.test", "d.test", "a.test", "c.test"]) aggregator.record(name, "10.0.0.3", "udp");
  expect(lines).toEqual([{ name: "a.test", client: "10.0.0.3", transport: "udp", count: 1 }, { name: "b.test", client: "10.0.0.3", transport: "udp", count: 1 }]);
  aggregator.endWindow();
  expect(lines.slice(2)).toEqual([
    { name: "a.test", client: "10.0.0.3", transport: "udp", count: 2, reason: "repeated within 10 s" },
    { name: "(unlisted)", client: "-", transport: "udp", count: 3, reason: "3 queries for 2 more names within 10 s, beyond the 2 listed" },
  ]);
  aggregator.record("a.test", "10.0.0.3", "tcp");
  expect(lines.at(-1)).toEqual({ name: "a.test", client: "10.0.0.3", transport: "tcp", count: 1 });
});
