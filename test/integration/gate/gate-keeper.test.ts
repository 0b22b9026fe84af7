/**
 * The gate's half of the keeper's verdict, on loopback with real git: while a heartbeat is fresh
 * the gate answers a push with what the host's import made of it (the real import, run here the
 * moment the push lands, as the keeper does); a keeper that never answers, or whose heartbeat
 * goes stale, leaves the push accepted unchecked, and the audit says so.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closeGates, hostDeps, startGate, type TestGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { makePack, postReceive, receiveBody, reportLines } from "../../helpers/receive-pack.ts";
import { tempDir } from "../../helpers/cli.ts";
import { ZERO_ID } from "../../../src/bundle/serve/gate/receive-request.ts";
import { importWaiting } from "../../../src/workspace/workspace-sync.ts";
import type { WorkspacePlan } from "../../../src/core/workspace.ts";

afterEach(closeGates);

/** The heartbeat as the keeper writes it: the time it was written (here, `ageMs` ago). */
function beat(gate: TestGate, ageMs = 0): void {
  writeFileSync(join(gate.paths.quarantine, "keeper.alive"), `${new Date(Date.now() - ageMs).toISOString()}\n`);
}

/** Runs the host's import (as the keeper does) as soon as a push record lands in the quarantine. */
function importOnArrival(gate: TestGate): Promise<void> {
  const workspace = { mirror: gate.paths.mirror, quarantine: gate.paths.quarantine, dir: join(gate.paths.mirror, ".."), push: gate.config.push, refs: gate.config.exposed } as unknown as WorkspacePlan;
  return new Promise((resolve) => {
    const watcher = watch(join(gate.paths.quarantine, "pushes"), (_event, name) => {
      if (!String(name).endsWith(".json") || String(name).endsWith(".tmp")) return;
      watcher.close();
      void importWaiting(hostDeps, workspace, "test", gate.auditPath).then(() => resolve());
    });
  });
}

async function cloneAndCommit(gate: TestGate): Promise<{ dir: string; env: Record<string, string> }> {
  const env = gitEnv();
  const dir = join(tempDir("agent"), "w");
  await gitOk(["clone", "-q", gate.url, dir], { env });
  await commitFile(dir, "x.txt", "x\n");
  return { dir, env };
}

test("with a keeper: a good push is imported before git hears ok, a hole is refused with git's reason", async () => {
  const gate = await startGate();
  beat(gate);
  // A verdict nobody read, from long ago: the next import clears it.
  const stale = join(gate.paths.quarantine, "verdicts", "000000000000001-000001.json");
  writeFileSync(stale, '{"ok":true}\n');
  const { dir, env } = await cloneAndCommit(gate);
  const imported = importOnArrival(gate);
  const pushed = await git(["push", "origin", "HEAD:claude/x"], { cwd: dir, env });
  await imported;
  expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/x");
  expect(existsSync(stale)).toBe(false);
  expect(readdirSync(join(gate.paths.quarantine, "verdicts"))).toEqual([]);
  expect(await gitOk(["ls-remote", "origin", "refs/heads/claude/x"], { cwd: dir, env })).toBe(`${await gitOk(["rev-parse", "HEAD"], { cwd: dir, env })}\trefs/heads/claude/x`);

  await commitFile(dir, "y.txt", "y\n");
  const commit = await gitOk(["rev-parse", "HEAD"], { cwd: dir, env });
  const tree = await gitOk(["rev-parse", "HEAD^{tree}"], { cwd: dir, env });
  const pack = await makePack(join(dir, ".git"), { objects: [commit] }, env);
  beat(gate);
  const refused = importOnArrival(gate);
  const answer = await postReceive(gate.url, receiveBody([{ oldId: ZERO_ID, newId: commit, ref: "refs/heads/claude/hole" }], pack));
  await refused;
  expect(reportLines(answer.body)).toEqual(["unpack ok", `ng refs/heads/claude/hole pack failed git's checks: fatal: did not receive expected object ${tree}`]);
  const posts = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack"));
  expect(posts.map((line) => [line["decision"], line["reason"]])).toEqual([["allow", "imported"], ["deny", "refused by the host"]]);
});

test("a keeper that does not answer in time, or whose heartbeat is stale, leaves the push accepted unchecked", async () => {
  const gate = await startGate({ verdictWaitMs: 200 });
  const { dir, env } = await cloneAndCommit(gate);
  beat(gate);
  const late = await git(["push", "origin", "HEAD:claude/late"], { cwd: dir, env });
  expect(late.stderr).toContain(" * [new branch]      HEAD -> claude/late");
  beat(gate, 60_000);
  const stale = await git(["push", "origin", "HEAD:claude/stale"], { cwd: dir, env });
  expect(stale.stderr).toContain(" * [new branch]      HEAD -> claude/stale");
  const reasons = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack")).map((line) => line["reason"]);
  expect(reasons).toEqual([
    "accepted unchecked (timed out); the host imports it on pull or down",
    "accepted unchecked (no keeper); the host imports it on pull or down",
  ]);
  const results = await gate.importNow();
  expect(results.map((result) => result.ok)).toEqual([true, true]);
});
