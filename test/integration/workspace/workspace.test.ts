/** The host side with real git: the mirror's contents, pull into the user's repository, diff. */
import { afterEach, describe, expect, test } from "bun:test";
import { chownSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { importWaiting } from "../../../src/workspace/workspace-sync.ts";
import { buildMirror } from "../../../src/workspace/mirror.ts";
import { branchDiff, pullBranches } from "../../../src/workspace/pull.ts";
import { hostDeps, closeGates, startGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk, userRepo } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";

afterEach(closeGates);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** Everything in the user's .git except objects: what pull may and may not change. */
async function userRefs(repo: string): Promise<string> {
  return gitOk(["for-each-ref", "--format=%(objectname) %(refname)"], { cwd: repo });
}

describe("the workspace mirror", () => {
  test("holds only the current branch and HEAD, fully packed, with no hooks, reflogs or alternates", async () => {
    const repo = await userRepo(3);
    await gitOk(["branch", "secret-branch"], { cwd: repo });
    await gitOk(["tag", "v1"], { cwd: repo });
    await gitOk(["config", "remote.origin.url", "https://user:token@forge.invalid/x.git"], { cwd: repo });
    const mirror = join(tempDir("ws"), "mirror.git");
    const info = await buildMirror(hostDeps, { repo, refs: [], path: mirror });
    expect(info).toEqual({ repo, refs: { "refs/heads/main": info.start }, head: "refs/heads/main", start: await gitOk(["rev-parse", "HEAD"], { cwd: repo }) });
    const files = filesUnder(mirror);
    expect(files.filter((file) => !file.startsWith("objects/pack/pack-"))).toEqual(["HEAD", "config", "info/refs", "objects/info/packs", "packed-refs"]);
    expect(files.filter((file) => file.startsWith("objects/pack/")).map((file) => file.replace(/[0-9a-f]{40}/, "X"))).toEqual(["objects/pack/pack-X.idx", "objects/pack/pack-X.pack", "objects/pack/pack-X.tips"]);
    // The tips of its one pack (what the gate's smart fetch reads): the exposed branch's commit.
    expect(readFileSync(join(mirror, files.find((file) => file.endsWith(".tips")) as string), "utf8")).toBe(`${info.start}\n`);
    expect(readFileSync(join(mirror, "info", "refs"), "utf8")).toBe(`${info.start}\trefs/heads/main\n`);
    expect(readFileSync(join(mirror, "HEAD"), "utf8")).toBe("ref: refs/heads/main\n");
    expect(readFileSync(join(mirror, "config"), "utf8")).not.toContain("token");
    expect(existsSync(`${mirror}.building`)).toBe(false);
  });

  test("named refs are copied; a ref that is no commit fails and leaves nothing", async () => {
    const repo = await userRepo(2);
    await gitOk(["branch", "dev", "HEAD~1"], { cwd: repo });
    const dir = tempDir("ws");
    const info = await buildMirror(hostDeps, { repo, refs: ["refs/heads/dev", "refs/heads/main"], path: join(dir, "m.git") });
    expect(Object.keys(info.refs)).toEqual(["refs/heads/dev", "refs/heads/main"]);
    expect(info.head).toBe("refs/heads/dev");
    await expect(buildMirror(hostDeps, { repo, refs: ["refs/heads/nope"], path: join(dir, "n.git") })).rejects.toThrow('"refs/heads/nope" names no commit there');
    expect(readdirSync(dir)).toEqual(["m.git"]);
  });

  test("a detached HEAD with no refs named is a configuration error with a hint", async () => {
    const repo = await userRepo(2);
    await gitOk(["checkout", "-q", "--detach", "HEAD"], { cwd: repo });
    const error = await buildMirror(hostDeps, { repo, refs: [], path: join(tempDir("ws"), "m.git") }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "E_WORKSPACE_DETACHED", exitCode: 78, hint: "check out a branch, or name the refs in [workspace] refs" });
  });
});

describe("import into the audit log", () => {
  test("each import is one audit line; an audit file the import creates belongs to the bundle dir's owner", async () => {
    const gate = await startGate();
    const env = gitEnv();
    const clone = join(tempDir("agent"), "ws");
    await gitOk(["clone", "-q", gate.url, clone], { env });
    await commitFile(clone, "a.txt", "a\n");
    await gitOk(["push", "-q", "origin", "HEAD:claude/a"], { cwd: clone, env });
    const bundleDir = tempDir("bundle-dir");
    const owner = process.getuid!() === 0 ? 65534 : process.getuid!();
    chownSync(bundleDir, owner, owner);
    const workspace = { repo: gate.repo, refs: gate.config.exposed, path: "/workspace", push: ["claude/*"], url: gate.url, dir: dirname(gate.paths.mirror), mirror: gate.paths.mirror, quarantine: gate.paths.quarantine };
    const audit = join(bundleDir, "audit.jsonl");
    const [result] = await importWaiting(hostDeps, workspace, "w", audit);
    expect(result?.ok).toBe(true);
    const lines = readFileSync(audit, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([expect.objectContaining({ kind: "git", method: "import", decision: "allow", rule: "git-import", path: `push ${result?.id}` })]);
    expect(statSync(audit).uid).toBe(owner);
    expect(statSync(audit).mode & 0o777).toBe(0o600);
  });
});

describe("pull and diff", () => {
  test("pull writes only refs/remotes/bottle-NAME/*, backups included; diff shows the change from the start", async () => {
    const gate = await startGate();
    const env = gitEnv();
    const clone = join(tempDir("agent"), "ws");
    await gitOk(["clone", "-q", gate.url, clone], { env });
    const first = await commitFile(clone, "login.ts", "export const fixed = true;\n", "fix login");
    await gitOk(["push", "-q", "origin", "HEAD:claude/fix-login", "HEAD:claude/other"], { cwd: clone, env });
    await gitOk(["reset", "-q", "--hard", "HEAD~1"], { cwd: clone, env });
    const second = await commitFile(clone, "login.ts", "export const fixed = 2; // \x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\n", "fix login again");
    await gitOk(["push", "-q", "--force", "origin", "HEAD:claude/fix-login"], { cwd: clone, env });
    expect((await gate.importNow()).map((result) => result.ok)).toEqual([true, true]);
    const before = await userRefs(gate.repo);
    const head = readFileSync(join(gate.repo, ".git", "HEAD"), "utf8");
    const pulled = await pullBranches(hostDeps, { repo: gate.repo, mirror: gate.paths.mirror, name: "web", exposed: gate.config.exposed });
    expect(pulled).toEqual({
      branches: [
        { branch: "claude/fix-login", id: second, ref: "refs/remotes/bottle-web/claude/fix-login" },
        { branch: "claude/other", id: first, ref: "refs/remotes/bottle-web/claude/other" },
      ],
      backups: [`refs/remotes/bottle-web/backup/claude/fix-login/${first}`],
    });
    const after = await userRefs(gate.repo);
    const added = after.split("\n").filter((line) => !before.split("\n").includes(line));
    expect(added).toEqual([
      `${first} refs/remotes/bottle-web/backup/claude/fix-login/${first}`,
      `${second} refs/remotes/bottle-web/claude/fix-login`,
      `${first} refs/remotes/bottle-web/claude/other`,
    ]);
    expect(after.split("\n").filter((line) => !added.includes(line))).toEqual(before.split("\n"));
    expect(readFileSync(join(gate.repo, ".git", "HEAD"), "utf8")).toBe(head);
    expect(existsSync(join(gate.repo, ".git", "FETCH_HEAD"))).toBe(false);
    expect(existsSync(join(gate.repo, ".git", "logs", "refs", "remotes"))).toBe(false);
    expect(await gitOk(["status", "--porcelain"], { cwd: gate.repo })).toBe("");
    const diff = await branchDiff(hostDeps, { mirror: gate.paths.mirror, start: gate.info.start, tip: second });
    expect(diff).toContain(" login.ts | 1 +\n");
    expect(diff).toContain("+export const fixed = 2; // \\x1b]52;c;cGF5bG9hZA==\\x07\\x1b[2J\n");
    expect(diff).not.toContain("\x1b");
  });

  test("pull --branch takes one branch and names the pushed ones when it is not there", async () => {
    const gate = await startGate();
    const env = gitEnv();
    const clone = join(tempDir("agent"), "ws");
    await gitOk(["clone", "-q", gate.url, clone], { env });
    await commitFile(clone, "a.txt", "a\n");
    await gitOk(["push", "-q", "origin", "HEAD:claude/a", "HEAD:claude/b"], { cwd: clone, env });
    await gate.importNow();
    const one = await pullBranches(hostDeps, { repo: gate.repo, mirror: gate.paths.mirror, name: "w", exposed: gate.config.exposed, only: "claude/b" });
    expect(one.branches.map((branch) => branch.ref)).toEqual(["refs/remotes/bottle-w/claude/b"]);
    expect(await git(["rev-parse", "--verify", "-q", "refs/remotes/bottle-w/claude/a"], { cwd: gate.repo })).toMatchObject({ code: 1 });
    const missing = await pullBranches(hostDeps, { repo: gate.repo, mirror: gate.paths.mirror, name: "w", exposed: gate.config.exposed, only: "claude/zzz" }).catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ code: "E_PULL_BRANCH", hint: "pushed branches: claude/a, claude/b" });
  });

});
