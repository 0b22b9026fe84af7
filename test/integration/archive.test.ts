/**
 * The record outlives the bottle: `down` moves the audit (rotated files too) and a summary to
 * `<home>/archive/<name>/<timestamp>/`, private; `logs` then shows the newest archive and says so;
 * `gc --archives --older-than` prunes by age and touches nothing else.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld } from "../helpers/fake-world.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

const line = (host: string, decision: string, kind = "connect") => `${JSON.stringify({ time: "2026-11-24T10:00:00.000Z", kind, decision, method: "CONNECT", host, port: 443, rule: "r" })}\n`;

async function upWithAudit(world: ReturnType<typeof fakeWorld>, marker: string) {
  expect((await world.cli(["up", "--detach"])).code).toBe(0);
  const dir = join(world.home, "bottles/web/bundle");
  writeFileSync(join(dir, "audit.jsonl.1"), line(`old-${marker}.test`, "deny", "dns"), { mode: 0o600 });
  writeFileSync(join(dir, "audit.jsonl"), line(`allowed-${marker}.test`, "allow") + line(`denied-${marker}.test`, "deny"), { mode: 0o600 });
}

test("down archives the audit and a summary, privately; logs then shows the newest archive", async () => {
  const world = fakeWorld();
  await upWithAudit(world, "first");
  const down = await world.cli(["down", "web"]);
  expect(down.code).toBe(0);
  expect(down.stderr).toContain(`audit archived in ${join(world.home, "archive/web/")}`);
  expect(existsSync(join(world.home, "bottles/web"))).toBe(false);
  const [stamp] = readdirSync(join(world.home, "archive/web"));
  expect(stamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z$/);
  const archive = join(world.home, "archive/web", stamp!);
  for (const dir of [join(world.home, "archive"), join(world.home, "archive/web"), archive]) expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(readdirSync(archive).sort()).toEqual(["audit.jsonl", "audit.jsonl.1", "summary.json"]);
  for (const file of readdirSync(archive)) expect(statSync(join(archive, file)).mode & 0o777).toBe(0o600);
  const summary = JSON.parse(readFileSync(join(archive, "summary.json"), "utf8"));
  expect(summary).toMatchObject({ name: "web", backend: "smolmachines", isolation: "microvm", counts: { lines: 3, allow: 1, deny: 2, dns: 1 }, files: ["audit.jsonl.1", "audit.jsonl"] });
  expect(Date.parse(summary.downAt)).toBeGreaterThanOrEqual(Date.parse(summary.createdAt));

  const logs = await world.cli(["logs", "web"]);
  expect(logs.code).toBe(0);
  expect(logs.stdout).toStartWith(`== bottle "web" is down: archived record in ${archive} ==\nbackend smolmachines, up `);
  expect(logs.stdout).toContain("3 decisions: 1 allowed, 2 denied");
  expect(logs.stdout.indexOf("old-first.test")).toBeLessThan(logs.stdout.indexOf("denied-first.test"));

  // A second life of the same name: logs shows the newer record, both are kept.
  await upWithAudit(world, "second");
  expect((await world.cli(["down", "web"])).code).toBe(0);
  expect(readdirSync(join(world.home, "archive/web")).length).toBe(2);
  const again = await world.cli(["logs", "web"]);
  expect(again.stdout).toContain("allowed-second.test");
  expect(again.stdout).not.toContain("first.test");
});

test("gc --archives --older-than prunes old records only, and lists them with --dry-run", async () => {
  const home = tempDir("archives");
  const make = (slug: string, stamp: string) => {
    mkdirSync(join(home, "archive", slug, stamp), { recursive: true });
    writeFileSync(join(home, "archive", slug, stamp, "summary.json"), "{}");
  };
  const recent = new Date(Date.now() - 3600_000).toISOString().replace(/:/g, "-");
  make("old", "2020-01-02T03-04-05.006Z");
  make("mixed", "2020-01-02T03-04-05.006Z");
  make("mixed", recent);
  make("mixed", "not-a-stamp");
  mkdirSync(join(home, "archive", "Not_A_Slug", "2020-01-02T03-04-05.006Z"), { recursive: true });
  const gc = (...args: string[]) => runCli(["--home", home, "gc", "--archives", ...args]);

  expect((await gc()).code).toBe(64);
  expect((await gc("--older-than", "soon")).code).toBe(64);
  const dry = await gc("--older-than", "30d", "--dry-run");
  expect(dry.stdout).toBe(`would remove archive ${join(home, "archive/mixed/2020-01-02T03-04-05.006Z")}\nwould remove archive ${join(home, "archive/old/2020-01-02T03-04-05.006Z")}\n`);
  expect(existsSync(join(home, "archive/old"))).toBe(true);

  expect((await gc("--older-than", "30d")).code).toBe(0);
  expect(existsSync(join(home, "archive/old"))).toBe(false);
  expect(readdirSync(join(home, "archive/mixed")).sort()).toEqual([recent, "not-a-stamp"].sort());
  expect(existsSync(join(home, "archive/Not_A_Slug/2020-01-02T03-04-05.006Z"))).toBe(true);
  expect((await gc("--older-than", "30m")).stdout).toBe(`removed archive ${join(home, "archive/mixed", recent)}\n`);
});
