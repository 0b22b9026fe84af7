/** Real Debian git against the gate on loopback: clone, push, every refusal as git prints it, import, fetch. */
import { afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { closeGates, startGate, type TestGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";

afterEach(closeGates);

async function agentClone(gate: TestGate): Promise<{ dir: string; env: Record<string, string> }> {
  const env = gitEnv();
  const dir = join(tempDir("agent"), "workspace");
  await gitOk(["clone", "-q", gate.url, dir], { env });
  return { dir, env };
}

function pushIds(gate: TestGate): string[] {
  return readdirSync(join(gate.paths.quarantine, "pushes")).filter((name) => name.endsWith(".json"));
}

describe("the git gate with a real git client", () => {
  test("a clone holds the exposed branch at the user's commit and nothing else", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    expect(await gitOk(["rev-parse", "HEAD"], { cwd: dir, env })).toBe(gate.info.start);
    expect(await gitOk(["for-each-ref", "--format=%(refname)"], { cwd: dir, env })).toBe("refs/heads/main\nrefs/remotes/origin/HEAD\nrefs/remotes/origin/main");
    expect(await gitOk(["fsck", "--strict"], { cwd: dir, env })).toBe("");
  });

  test("a push to an allowed branch is accepted, imported on the host and fetched back", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    const commit = await commitFile(dir, "fix.txt", "fixed\n");
    const pushed = await git(["push", "origin", "HEAD:claude/fix-login"], { cwd: dir, env });
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/fix-login");
    expect(pushIds(gate)).toHaveLength(1);
    const [imported] = await gate.importNow();
    expect(imported).toMatchObject({ ok: true, backups: [], refs: [{ ref: "refs/heads/claude/fix-login", newId: commit }] });
    expect(pushIds(gate)).toHaveLength(0);
    const other = await agentClone(gate);
    await gitOk(["fetch", "-q", "origin"], { cwd: other.dir, env: other.env });
    expect(await gitOk(["rev-parse", "origin/claude/fix-login"], { cwd: other.dir, env: other.env })).toBe(commit);
    expect(await gitOk(["fsck", "--strict"], { cwd: other.dir, env: other.env })).toBe("");
    const pushes = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack"));
    expect(pushes).toEqual([expect.objectContaining({ kind: "git", decision: "allow", refs: [{ ref: "refs/heads/claude/fix-login", oldId: "0".repeat(40), newId: commit, result: "ok" }] })]);
  });

  test("main, a tag, a branch outside the patterns and a '--mirror' branch are refused with reasons; a delete never leaves the client", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    await commitFile(dir, "x.txt", "x\n");
    const refused = await git(["push", "origin", "HEAD:main", "HEAD:refs/tags/v1", "HEAD:feature", "HEAD:claude/--mirror", ":refs/heads/claude/gone"], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> main (read-only: this branch came from the host)");
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> v1 (pushing tags is not allowed)");
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> feature (branch not allowed: may push claude/*)");
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> claude/--mirror (ref name component starts with '-')");
    // delete-refs is never advertised, so git refuses the delete itself.
    expect(refused.stderr).toContain(" ! [remote rejected] claude/gone");
    expect(pushIds(gate)).toHaveLength(0);
    expect(readdirSync(join(gate.paths.quarantine, "incoming"))).toEqual([]);
    const [push] = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack"));
    expect(push).toMatchObject({ decision: "deny" });
    expect((push?.["refs"] as unknown[]).length).toBe(4);
  });

  test("--atomic with one bad ref refuses every ref", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    await commitFile(dir, "x.txt", "x\n");
    const refused = await git(["push", "--atomic", "origin", "HEAD:claude/good", "HEAD:main"], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> claude/good (atomic push failed)");
    expect(refused.stderr).toContain(" ! [remote rejected] HEAD -> main (read-only: this branch came from the host)");
    expect(pushIds(gate)).toHaveLength(0);
    const partial = await git(["push", "origin", "HEAD:claude/good", "HEAD:main"], { cwd: dir, env });
    expect(partial.stderr).toContain(" * [new branch]      HEAD -> claude/good");
    expect(pushIds(gate)).toHaveLength(1);
  });

  test("a push over 1 MiB goes through the probe and a chunked body", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    const commit = await commitFile(dir, "blob.bin", randomBytes(1536 * 1024));
    const pushed = await git(["push", "origin", "HEAD:claude/big"], { cwd: dir, env });
    expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/big");
    const posts = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack"));
    // No keeper runs here: the push is accepted unchecked, and the audit says so.
    expect(posts.map((line) => line["reason"] ?? "push")).toEqual(["probe", "accepted unchecked (no keeper); the host imports it on pull or down"]);
    expect(posts[1]?.["bytesUp"]).toBeGreaterThan(1536 * 1024);
    const [imported] = await gate.importNow();
    expect(imported?.ok).toBe(true);
    expect(await gitOk(["--git-dir", gate.paths.mirror, "rev-parse", "refs/heads/claude/big"])).toBe(commit);
  });

  test("a forced update of the agent's own branch is accepted and the old tip kept as a backup ref", async () => {
    const gate = await startGate();
    const { dir, env } = await agentClone(gate);
    const first = await commitFile(dir, "a.txt", "one\n");
    await gitOk(["push", "-q", "origin", "HEAD:claude/x"], { cwd: dir, env });
    await gate.importNow();
    await gitOk(["reset", "-q", "--hard", "HEAD~1"], { cwd: dir, env });
    const second = await commitFile(dir, "b.txt", "two\n");
    const plain = await git(["push", "origin", "HEAD:claude/x"], { cwd: dir, env });
    expect(plain.stderr).toContain("! [rejected]        HEAD -> claude/x (non-fast-forward)");
    const forced = await git(["push", "--force", "origin", "HEAD:claude/x"], { cwd: dir, env });
    expect(forced.stderr).toContain(" + ");
    expect(forced.stderr).toContain("HEAD -> claude/x (forced update)");
    const [imported] = await gate.importNow();
    expect(imported).toMatchObject({ ok: true, backups: [`refs/bottle-backup/claude/x/${first}`] });
    expect(await gitOk(["--git-dir", gate.paths.mirror, "rev-parse", "refs/heads/claude/x", `refs/bottle-backup/claude/x/${first}`])).toBe(`${second}\n${first}`);
  });

  test("concurrent pushes to one branch: one wins, the other is refused", async () => {
    const gate = await startGate();
    const clones = await Promise.all([agentClone(gate), agentClone(gate), agentClone(gate)]);
    for (const [index, clone] of clones.entries()) await commitFile(clone.dir, `c${index}.txt`, `${index}\n`);
    const results = await Promise.all(clones.map((clone) => git(["push", "origin", "HEAD:claude/race"], { cwd: clone.dir, env: clone.env })));
    expect(results.filter((result) => result.code === 0)).toHaveLength(1);
    for (const lost of results.filter((result) => result.code !== 0)) {
      expect(lost.stderr).toMatch(/HEAD -> claude\/race \((stale old id: the branch moved; fetch first|fetch first)\)/);
    }
    expect(pushIds(gate)).toHaveLength(1);
  });

  test("after an import, the advertisement and the compare-and-swap read the mirror", async () => {
    const gate = await startGate();
    const a = await agentClone(gate);
    const b = await agentClone(gate);
    await commitFile(a.dir, "a.txt", "a\n");
    await gitOk(["push", "-q", "origin", "HEAD:claude/shared"], { cwd: a.dir, env: a.env });
    await gate.importNow();
    await commitFile(b.dir, "b.txt", "b\n");
    const forced = await git(["push", "--force", "origin", "HEAD:claude/shared"], { cwd: b.dir, env: b.env });
    expect(forced.code).toBe(0);
    expect(existsSync(join(gate.paths.mirror, "objects", "info", "alternates"))).toBe(false);
  });
});
