/** gc and the host keeper: a keeper whose bottle is gone is stopped and forgotten; a bottle's own keeper is left alone. */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempDir } from "../../helpers/cli.ts";
import { nodeProcesses } from "../../../src/runtime/processes.ts";
import type { ProcessRecord } from "../../../src/core/processes.ts";
import { canaryOf } from "../../../src/lifecycle/keeper-canary.ts";
import { keeperArgv } from "../../../src/lifecycle/keeper.ts";
import { verdictReason } from "../../../src/workspace/workspace-sync.ts";

const processes = nodeProcesses(undefined);
const started: ProcessRecord[] = [];

afterEach(async () => {
  for (const record of started.splice(0)) await processes.stop(record, 5_000);
});

async function standIn(home: string, slug: string): Promise<ProcessRecord> {
  const record = await processes.spawnDetached(["sleep", "600"], { logPath: join(home, `${slug}.log`), env: { PATH: process.env["PATH"] ?? "" } });
  started.push(record);
  mkdirSync(join(home, "keepers"), { recursive: true });
  writeFileSync(join(home, "keepers", `${slug}.json`), JSON.stringify(record));
  return record;
}

test("gc stops a keeper whose bottle has no state, after listing it on --dry-run; a live bottle's keeper stays", async () => {
  const home = tempDir("keeper-gc");
  const orphan = await standIn(home, "ghost");
  const owned = await standIn(home, "live");
  mkdirSync(join(home, "bottles", "live"), { recursive: true });
  writeFileSync(join(home, "bottles", "live", "state.json"), JSON.stringify({ version: 1, slug: "live", backend: "docker", manifestPath: "/x", status: "running", plan: {}, steps: [], createdAt: "", updatedAt: "" }));
  const gc = (args: string[]) => runCli(["--home", home, "gc", "--json", ...args], { processes });

  const dry = JSON.parse((await gc(["--dry-run"])).stdout);
  expect(dry.found).toEqual([{ kind: "keeper", name: `process ${orphan.pid}`, slug: "ghost", removeArgvs: [] }]);
  expect(await processes.alive(orphan)).toBe(true);

  const done = await gc([]);
  expect(JSON.parse(done.stdout).removed).toEqual([{ kind: "keeper", name: `process ${orphan.pid}`, slug: "ghost", removeArgvs: [] }]);
  expect(await processes.alive(orphan)).toBe(false);
  expect(existsSync(join(home, "keepers", "ghost.json"))).toBe(false);
  expect(await processes.alive(owned)).toBe(true);
  expect(existsSync(join(home, "keepers", "live.json"))).toBe(true);
});

test("a keeper record whose process is gone is only forgotten", async () => {
  const home = tempDir("keeper-gc");
  mkdirSync(join(home, "keepers"), { recursive: true });
  writeFileSync(join(home, "keepers", "old.json"), JSON.stringify({ pid: 999_999_999, startTime: "1" }));
  const done = JSON.parse((await runCli(["--home", home, "gc", "--json"], { processes })).stdout);
  expect(done.removed).toEqual([]);
  expect(existsSync(join(home, "keepers", "old.json"))).toBe(false);
});

test.each([
  ['{"kind":"http","canary":"ANTHROPIC_API_KEY","decision":"refused"}', "ANTHROPIC_API_KEY"],
  ['{"kind":"http","decision":"allow"}', undefined],
  ['{"kind":"http","canary":"\\u001b[31mX"}', undefined],
  ['{"canary":', undefined],
])("the canary an audit line names: %s", (line, expected) => {
  expect(canaryOf(line)).toBe(expected);
});

test("a refusal reason reaches git as one printable line of at most 200 characters", () => {
  expect(verdictReason("pack failed:\n\u001b[31mfatal\u0007 bad")).toBe("pack failed: [31mfatal bad");
  expect(verdictReason("x".repeat(300))).toBe(`${"x".repeat(197)}...`);
});

test("the keeper's command line: this program, the same home, the bottle", () => {
  expect(keeperArgv(["/usr/bin/bun", "/src/main.ts"], "/h", "web")).toEqual(["/usr/bin/bun", "/src/main.ts", "--home", "/h", "keeper", "web"]);
});
