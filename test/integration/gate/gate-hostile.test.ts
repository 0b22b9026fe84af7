/** The gate and the host import given bad input: each refused with a reason, nothing half-kept. */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pkt } from "../../../src/bundle/serve/gate/pkt-line.ts";
import { ZERO_ID } from "../../../src/bundle/serve/gate/receive-request.ts";
import { closeGates, startGate, type TestGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { makePack, postReceive, receiveBody, reportLines } from "../../helpers/receive-pack.ts";
import { tempDir } from "../../helpers/cli.ts";

async function cloneWithCommit(gate: TestGate): Promise<{ dir: string; env: Record<string, string>; commit: string }> {
  const env = gitEnv();
  const dir = join(tempDir("agent"), "workspace");
  await gitOk(["clone", "-q", gate.url, dir], { env });
  return { dir, env, commit: await commitFile(dir, "work.txt", "work\n") };
}

afterEach(closeGates);

const pending = (gate: TestGate) => readdirSync(join(gate.paths.quarantine, "pushes"));

describe("hostile pushes", () => {
  test("a corrupt or truncated pack is refused as an unpack error and nothing is kept", async () => {
    const gate = await startGate();
    const { dir, commit } = await cloneWithCommit(gate);
    const pack = await makePack(join(dir, ".git"), { revs: [commit, `^${gate.info.start}`] });
    const corrupt = pack.slice();
    corrupt[20] = (corrupt[20] as number) ^ 0xff;
    const command = [{ oldId: ZERO_ID, newId: commit, ref: "refs/heads/claude/x" }];
    for (const [body, reason] of [
      [corrupt, "unpack pack checksum does not match its trailer (truncated or corrupt)"],
      [pack.subarray(0, pack.length - 7), "unpack pack checksum does not match its trailer (truncated or corrupt)"],
      [pack.subarray(0, 10), "unpack pack is truncated"],
      [new TextEncoder().encode("JUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNK"), "unpack data after the commands is not a pack"],
    ] as const) {
      const answer = await postReceive(gate.url, receiveBody(command, body));
      expect(answer.status).toBe(200);
      expect(reportLines(answer.body)).toEqual([reason, "ng refs/heads/claude/x unpacker error"]);
    }
    expect(pending(gate)).toEqual([]);
    expect(readdirSync(join(gate.paths.quarantine, "incoming"))).toEqual([]);
  });

  test("an oversized push and one with too many objects are refused as git shows it", async () => {
    const bytes = await startGate({ limits: { maxBytes: 64 * 1024 } });
    const a = await cloneWithCommit(bytes);
    await commitFile(a.dir, "big.bin", new Uint8Array(crypto.getRandomValues(new Uint8Array(60_000))));
    await commitFile(a.dir, "big2.bin", new Uint8Array(crypto.getRandomValues(new Uint8Array(60_000))));
    const tooBig = await git(["push", "origin", "HEAD:claude/big"], { cwd: a.dir, env: a.env });
    expect(tooBig.code).toBe(1);
    expect(tooBig.stderr).toContain("error: remote unpack failed: pack is over the 65536-byte limit");
    expect(tooBig.stderr).toContain(" ! [remote rejected] HEAD -> claude/big (unpacker error)");
    const objects = await startGate({ limits: { maxObjects: 2 } });
    const b = await cloneWithCommit(objects);
    const tooMany = await git(["push", "origin", "HEAD:claude/many"], { cwd: b.dir, env: b.env });
    expect(tooMany.stderr).toContain("error: remote unpack failed: pack has 3 objects, over the limit of 2");
    expect(pending(bytes)).toEqual([]);
    expect(pending(objects)).toEqual([]);
  });

  test("two pushes with the same old id at once: one is accepted, the other refused by compare-and-swap", async () => {
    const gate = await startGate();
    const first = await cloneWithCommit(gate);
    const second = await cloneWithCommit(gate);
    const otherCommit = await commitFile(second.dir, "other.txt", "other\n");
    const bodies = await Promise.all([
      makePack(join(first.dir, ".git"), { revs: [first.commit, `^${gate.info.start}`] }).then((pack) => receiveBody([{ oldId: ZERO_ID, newId: first.commit, ref: "refs/heads/claude/cas" }], pack)),
      makePack(join(second.dir, ".git"), { revs: [otherCommit, `^${gate.info.start}`] }).then((pack) => receiveBody([{ oldId: ZERO_ID, newId: otherCommit, ref: "refs/heads/claude/cas" }], pack)),
    ]);
    const answers = await Promise.all(bodies.map((body) => postReceive(gate.url, body)));
    const reports = answers.map((answer) => reportLines(answer.body));
    expect(reports.map((lines) => lines[1]).sort()).toEqual(["ng refs/heads/claude/cas stale old id: the branch moved; fetch first", "ok refs/heads/claude/cas"]);
    expect(pending(gate).filter((name) => name.endsWith(".json"))).toHaveLength(1);
  });

  test("a pack that references objects the mirror lacks is accepted by the gate, refused by the import, and audited", async () => {
    const gate = await startGate();
    const { dir, commit } = await cloneWithCommit(gate);
    // Only the commit: its new tree and blob are in neither the pack nor the mirror.
    const pack = await makePack(join(dir, ".git"), { objects: [commit] });
    const answer = await postReceive(gate.url, receiveBody([{ oldId: ZERO_ID, newId: commit, ref: "refs/heads/claude/hole" }], pack));
    expect(reportLines(answer.body)).toEqual(["unpack ok", "ok refs/heads/claude/hole"]);
    const [result] = await gate.importNow();
    expect(result?.ok).toBe(false);
    expect(result?.reason).toBe(`pack failed git's checks: fatal: did not receive expected object ${await gitOk(["rev-parse", "HEAD^{tree}"], { cwd: dir })}`);
    expect(readdirSync(gate.paths.rejected)).toHaveLength(1);
    expect(existsSync(gate.paths.imported)).toBe(false);
    expect(await gitOk(["--git-dir", gate.paths.mirror, "for-each-ref", "--format=%(refname)"])).toBe("refs/heads/main");
    expect(pending(gate)).toEqual([]);
    const info = await fetch(`${gate.url}/info/refs?service=git-receive-pack`).then((response) => response.text());
    expect(info).not.toContain("claude/hole");
  });

  test("a pack with an object git's fsck refuses is never imported", async () => {
    const gate = await startGate();
    const { dir, env } = await cloneWithCommit(gate);
    const tree = await gitOk(["rev-parse", "HEAD^{tree}"], { cwd: dir, env });
    const broken = await gitOk(["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], { cwd: dir, env, input: `tree ${tree}\nauthor nobody\ncommitter nobody\n\nbad\n` });
    const pack = await makePack(join(dir, ".git"), { objects: [broken] });
    const answer = await postReceive(gate.url, receiveBody([{ oldId: ZERO_ID, newId: broken, ref: "refs/heads/claude/bad" }], pack));
    expect(reportLines(answer.body)).toEqual(["unpack ok", "ok refs/heads/claude/bad"]);
    const [result] = await gate.importNow();
    expect(result).toMatchObject({ ok: false });
    expect(result?.reason).toBe("pack failed git's checks: fatal: fsck error in packed object");
    expect(await git(["--git-dir", gate.paths.mirror, "cat-file", "-e", broken]).then((result) => result.code)).not.toBe(0);
  });

  test("an import cut short after staging its pack resumes from it; a push whose pack is gone is refused", async () => {
    const gate = await startGate();
    const { dir, env } = await cloneWithCommit(gate);
    await gitOk(["push", "-q", "origin", "HEAD:claude/a"], { cwd: dir, env });
    const [first] = readdirSync(join(gate.paths.quarantine, "pushes")).filter((name) => name.endsWith(".pack"));
    mkdirSync(join(gate.paths.scratch, "objects", "pack"), { recursive: true });
    renameSync(join(gate.paths.quarantine, "pushes", first as string), join(gate.paths.scratch, "objects", "pack", "incoming.pack"));
    expect((await gate.importNow()).map((result) => result.ok)).toEqual([true]);
    await commitFile(dir, "b.txt", "b\n");
    await gitOk(["push", "-q", "origin", "HEAD:claude/b"], { cwd: dir, env });
    for (const name of readdirSync(join(gate.paths.quarantine, "pushes")).filter((file) => file.endsWith(".pack"))) {
      rmSync(join(gate.paths.quarantine, "pushes", name));
    }
    const [lost] = await gate.importNow();
    expect(lost).toMatchObject({ ok: false, reason: "its pack is missing from the quarantine" });
    expect(pending(gate)).toEqual([]);
  });

  test("malformed requests get a 400 naming the problem", async () => {
    const gate = await startGate();
    const cases: [string, string][] = [
      ["zzzz", "cannot read the push: bad pkt-line length \"zzzz\"\n"],
      ["0002", "cannot read the push: unexpected special pkt-line 0002\n"],
      ["0011not a command0000", "cannot read the push: malformed command \"not a command\"\n"],
      [new TextDecoder().decode(pkt(`${ZERO_ID} ${ZERO_ID} refs/heads/claude/a\0push-options\n`)), "cannot read the push: capability \"push-options\" was not advertised\n"],
      ["0000PACK", "cannot read the push: no commands before the pack\n"],
      ["003", "cannot read the push: request ended inside the commands\n"],
    ];
    for (const [body, message] of cases) {
      const response = await fetch(`${gate.url}/git-receive-pack`, { method: "POST", body, headers: { "content-type": "application/x-git-receive-pack-request" } });
      expect({ status: response.status, text: await response.text() }).toEqual({ status: 400, text: message });
    }
  });

  test("unknown paths, alternates, other services and other methods are refused", async () => {
    const gate = await startGate();
    const base = `http://127.0.0.1:${gate.port}`;
    const expectations: [string, string, number][] = [
      ["GET", "/other.git/info/refs", 404],
      ["GET", "/workspace.git/objects/info/alternates", 404],
      ["GET", "/workspace.git/objects/info/http-alternates", 404],
      ["GET", "/workspace.git/config", 404],
      ["GET", "/workspace.git/objects/../config", 404],
      ["GET", "/workspace.git/%2e%2e/config", 404],
      ["POST", "/workspace.git/git-upload-archive", 403],
      ["PUT", "/workspace.git/info/refs", 405],
    ];
    for (const [method, path, status] of expectations) {
      const response = await fetch(`${base}${path}`, { method, ...(method === "GET" ? {} : { body: "0000" }) });
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} ${status}`);
    }
    const wrongType = await fetch(`${gate.url}/git-receive-pack`, { method: "POST", body: "0000" });
    expect(wrongType.status).toBe(415);
    const denied = (await gate.auditLines()).filter((line) => line["decision"] === "deny");
    expect(denied).toHaveLength(expectations.length + 1);
  });

  test("info/refs without a service is the dumb file; with git-upload-pack, the smart advertisement", async () => {
    const gate = await startGate();
    const dumb = await fetch(`${gate.url}/info/refs`);
    expect(dumb.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await dumb.text()).toBe(readFileSync(join(gate.paths.mirror, "info", "refs"), "utf8"));
    const smart = await fetch(`${gate.url}/info/refs?service=git-upload-pack`);
    expect(smart.headers.get("content-type")).toBe("application/x-git-upload-pack-advertisement");
    const lines = reportLines(new Uint8Array(await smart.arrayBuffer()), false);
    expect(lines[0]).toBe("# service=git-upload-pack");
    expect(lines[1]).toStartWith(`${gate.info.start} HEAD\0multi_ack_detailed side-band-64k ofs-delta`);
    expect(lines[1]).toEndWith("symref=HEAD:refs/heads/main");
    expect(lines.slice(2)).toEqual([`${gate.info.start} refs/heads/main`]);
  });

  test("the vetting hook refuses a ref the policy allowed", async () => {
    const gate = await startGate({ vet: (command) => (command.ref.endsWith("/secret") ? "canary: looks like an exfiltration branch" : undefined) });
    const { dir, env } = await cloneWithCommit(gate);
    const pushed = await git(["push", "origin", "HEAD:claude/secret", "HEAD:claude/fine"], { cwd: dir, env });
    expect(pushed.stderr).toContain(" ! [remote rejected] HEAD -> claude/secret (canary: looks like an exfiltration branch)");
    expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/fine");
  });
});
