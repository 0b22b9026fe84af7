/**
 * Smart-HTTP fetch (git-upload-pack) from the gate, with real git on loopback: a clone gets the
 * mirror's pack; a fetch after an import gets only the new pack; dumb HTTP still works; a push
 * whose pack overlaps the mirror makes the host repack, and clones stay whole; shallow and
 * filtered requests, and wants that are no ref tip, are refused with errors git prints.
 */
import { afterEach, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { closeGates, startGate, type TestGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { makePack, postReceive, receiveBody, reportLines } from "../../helpers/receive-pack.ts";
import { tempDir } from "../../helpers/cli.ts";
import { concatBytes, FLUSH, pkt } from "../../../src/bundle/serve/gate/pkt-line.ts";
import { ZERO_ID } from "../../../src/bundle/serve/gate/receive-request.ts";

afterEach(closeGates);

async function clone(gate: TestGate, env: Record<string, string> = gitEnv(), args: string[] = []): Promise<{ dir: string; env: Record<string, string>; stderr: string; code: number }> {
  const dir = join(tempDir("agent"), "w");
  const result = await git(["clone", ...args, gate.url, dir], { env });
  return { dir, env, stderr: result.stderr, code: result.code };
}

async function fetches(gate: TestGate): Promise<Record<string, unknown>[]> {
  return (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-upload-pack"));
}

test("a clone is smart: one pack, whole, checked by git", async () => {
  const gate = await startGate();
  const { dir, env, code } = await clone(gate);
  expect(code).toBe(0);
  expect(await gitOk(["rev-parse", "HEAD"], { cwd: dir, env })).toBe(gate.info.start);
  expect(await gitOk(["fsck", "--strict"], { cwd: dir, env })).toBe("");
  expect((await fetches(gate)).map((line) => line["reason"])).toEqual(["1 of 1 packs"]);
});

test("a fetch after an import gets only the new pack; dumb HTTP still serves a client that asks for it", async () => {
  const gate = await startGate();
  const pusher = await clone(gate);
  const commit = await commitFile(pusher.dir, "x.txt", "x\n");
  await gitOk(["push", "-q", "origin", "HEAD:claude/x"], { cwd: pusher.dir, env: pusher.env });
  const reader = await clone(gate);
  expect((await gate.importNow()).map((result) => result.ok)).toEqual([true]);
  await gitOk(["fetch", "-q", "origin"], { cwd: reader.dir, env: reader.env });
  expect(await gitOk(["rev-parse", "origin/claude/x"], { cwd: reader.dir, env: reader.env })).toBe(commit);
  expect(await gitOk(["fsck", "--strict"], { cwd: reader.dir, env: reader.env })).toBe("");
  expect((await fetches(gate)).map((line) => line["reason"]).filter((reason) => reason !== "negotiation")).toEqual(["1 of 1 packs", "1 of 1 packs", "1 of 2 packs"]);

  const smartSoFar = (await fetches(gate)).length;
  const dumb = await clone(gate, { ...gitEnv(), GIT_SMART_HTTP: "0" });
  expect(dumb.code).toBe(0);
  expect(await gitOk(["rev-parse", "origin/claude/x"], { cwd: dumb.dir, env: dumb.env })).toBe(commit);
  expect((await fetches(gate)).length).toBe(smartSoFar);
  expect((await gate.auditLines()).some((line) => String(line["path"]).endsWith(".pack") && line["decision"] === "allow")).toBe(true);
});

test("a push that repeats objects the mirror has makes the host repack; a clone stays whole", async () => {
  const gate = await startGate();
  const pusher = await clone(gate);
  const commit = await commitFile(pusher.dir, "y.txt", "y\n");
  // The whole history, not only what is new: every object of the mirror comes again.
  const pack = await makePack(join(pusher.dir, ".git"), { revs: [commit] }, pusher.env);
  const answer = await postReceive(gate.url, receiveBody([{ oldId: ZERO_ID, newId: commit, ref: "refs/heads/claude/y" }], pack));
  expect(reportLines(answer.body)).toEqual(["unpack ok", "ok refs/heads/claude/y"]);
  expect((await gate.importNow()).map((result) => result.ok)).toEqual([true]);
  const packs = readdirSync(join(gate.paths.mirror, "objects", "pack"));
  expect(packs.filter((name) => name.endsWith(".pack"))).toHaveLength(1);
  expect(packs.filter((name) => name.endsWith(".tips"))).toHaveLength(1);
  const fresh = await clone(gate);
  expect(fresh.code).toBe(0);
  await gitOk(["fetch", "-q", "origin", "claude/y"], { cwd: fresh.dir, env: fresh.env });
  expect(await gitOk(["fsck", "--strict"], { cwd: fresh.dir, env: fresh.env })).toBe("");
});

test("shallow and filtered clones, and wants that are no ref tip, are refused in words git prints", async () => {
  const gate = await startGate();
  const shallow = await clone(gate, gitEnv(), ["--depth", "1"]);
  expect(shallow.code).not.toBe(0);
  expect(shallow.stderr).toContain("does not support shallow");
  const filtered = await clone(gate, gitEnv(), ["--filter=blob:none"]);
  expect(filtered.code).toBe(0);
  expect(filtered.stderr).toContain("filtering not recognized by server");
  const post = (body: Uint8Array) =>
    fetch(`${gate.url}/git-upload-pack`, { method: "POST", body: Buffer.from(body), headers: { "content-type": "application/x-git-upload-pack-request" } }).then(async (response) => new TextDecoder().decode(await response.arrayBuffer()));
  expect(await post(concatBytes([pkt(`want ${gate.info.start} side-band-64k\n`), pkt("deepen 1\n"), FLUSH, pkt("done\n")]))).toContain("ERR shallow clones and fetches are not supported by the gate");
  expect(await post(concatBytes([pkt(`want ${"a".repeat(40)}\n`), FLUSH, pkt("done\n")]))).toContain(`ERR upload-pack: not our ref ${"a".repeat(40)}`);
  expect(await post(concatBytes([pkt("bogus\n"), FLUSH]))).toContain('ERR unexpected line "bogus"');
});
