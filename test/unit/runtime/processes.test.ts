/** Detached processes named by pid + start time: real children, signalled only while they are who the record says. */
import { afterEach, expect, test } from "bun:test";
import { statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeProcesses, selfArgv, statStartTime } from "../../../src/runtime/processes.ts";
import type { ProcessRecord } from "../../../src/core/processes.ts";
import { tempDir } from "../../helpers/cli.ts";

const processes = nodeProcesses(undefined);
const started: ProcessRecord[] = [];

afterEach(async () => {
  for (const record of started.splice(0)) await processes.stop(record, 5_000);
});

test.each([
  ["1234 (sleep) S 1 1234 1234 0 -1 4194560 95 0 0 0 0 0 0 0 20 0 1 0 8812345 2600960 140 18446744073709551615", "8812345"],
  ["77 (a b) (c)) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0 0", "99"],
  ["78 (gone) Z 1 78 78 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0 0", undefined],
])("the start time of %j is %j", (line, expected) => {
  expect(statStartTime(line)).toBe(expected);
});

test("selfArgv: the compiled binary runs itself; from source, the runtime runs the script", () => {
  expect(selfArgv("/opt/claude-bottle")).toEqual(["/opt/claude-bottle"]);
  expect(selfArgv(undefined)).toEqual([process.execPath, process.argv[1] as string]);
});

test("a detached child runs in a session of its own, logs to a 0600 file, and is stopped only through its own record", async () => {
  const log = join(tempDir("detached"), "child.log");
  const record = await processes.spawnDetached(["sh", "-c", "echo started; exec sleep 600"], { logPath: log, env: { PATH: process.env["PATH"] ?? "" } });
  started.push(record);
  expect(await processes.alive(record)).toBe(true);
  expect(statSync(log).mode & 0o777).toBe(0o600);
  // Its own session: it is not in our process group.
  const stat = readFileSync(`/proc/${record.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  expect(Number(fields[3])).toBe(record.pid);
  expect(await processes.alive({ ...record, startTime: "1" })).toBe(false);
  expect(await processes.stop({ ...record, startTime: "1" }, 1_000)).toBe(false);
  expect(await processes.alive(record)).toBe(true);
  expect(await processes.stop(record, 5_000)).toBe(true);
  expect(await processes.alive(record)).toBe(false);
  expect(await processes.stop(record, 5_000)).toBe(false);
});

test("a command that cannot start is an error, not a record", async () => {
  const log = join(tempDir("detached"), "child.log");
  await expect(processes.spawnDetached(["/nonexistent/keeper"], { logPath: log, env: {} })).rejects.toThrow();
});
