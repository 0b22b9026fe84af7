/**
 * Canaries in pushes, with real git against the gate on loopback: a credential's sentinel in a
 * ref name, a commit message, an author, a file's content (deflated in the pack; also only whole
 * once a delta is applied) is refused as `canary`, audited with the credential's name only,
 * reported to the bundle, and nothing reaches the quarantine. A clean push goes through.
 */
import { afterEach, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { closeGates, startGate, type TestGate } from "../../helpers/gate.ts";
import { commitFile, git, gitEnv, gitOk } from "../../helpers/git.ts";
import { tempDir } from "../../helpers/cli.ts";
import { Matcher } from "../../../src/bundle/serve/creds/matcher.ts";
import { canaryInspector } from "../../../src/bundle/serve/gate/push-canary.ts";

afterEach(closeGates);

const SENTINEL = `sk-ant-api03-${randomBytes(30).toString("hex")}`;

async function canaryGate(): Promise<{ gate: TestGate; hits: string[] }> {
  const hits: string[] = [];
  const inspect = canaryInspector(new Matcher([{ name: "ANTHROPIC_API_KEY", value: SENTINEL }]));
  return { gate: await startGate({ inspect, onCanary: (name) => hits.push(name) }), hits };
}

async function clone(gate: TestGate): Promise<{ dir: string; env: Record<string, string> }> {
  const env = gitEnv();
  const dir = join(tempDir("agent"), "w");
  await gitOk(["clone", "-q", gate.url, dir], { env });
  return { dir, env };
}

async function pushRefused(dir: string, env: Record<string, string>, ref: string): Promise<string> {
  const pushed = await git(["push", "origin", `HEAD:${ref}`], { cwd: dir, env });
  expect(pushed.code).toBe(1);
  return pushed.stderr;
}

test.each([
  ["a ref name", async (dir: string, env: Record<string, string>) => {
    await commitFile(dir, "a.txt", "a\n");
    return `claude/${SENTINEL}`;
  }],
  ["a commit message", async (dir: string) => {
    await commitFile(dir, "a.txt", "a\n", `fix\n\ntoken ${SENTINEL.toUpperCase()}`);
    return "claude/msg";
  }],
  ["an author", async (dir: string, env: Record<string, string>) => {
    await gitOk(["commit", "-q", "--allow-empty", "-m", "x"], { cwd: dir, env: { ...env, GIT_AUTHOR_NAME: SENTINEL } });
    return "claude/author";
  }],
  ["a file's content, base64-encoded", async (dir: string) => {
    await commitFile(dir, "notes.txt", `${randomBytes(4096).toString("hex")}\n${Buffer.from(SENTINEL).toString("base64")}\n`);
    return "claude/blob";
  }],
  ["a file whole only once its delta is applied", async (dir: string, env: Record<string, string>) => {
    const filler = randomBytes(20_000).toString("hex");
    const half = SENTINEL.length / 2;
    // The larger, older version holds the sentinel's first half: git makes it the base, and sends
    // the newer one as a delta that copies the first half and inserts only the second.
    await commitFile(dir, "big.txt", `${filler}\n${SENTINEL.slice(0, half)}\n${"x".repeat(500)}\n`);
    await commitFile(dir, "big.txt", `${filler}\n${SENTINEL}\n`);
    const whole = await gitOk(["rev-parse", "HEAD:big.txt"], { cwd: dir, env });
    const out = join(tempDir("pack"), "p");
    const hash = await gitOk(["pack-objects", "-q", "--revs", "--delta-base-offset", out], { cwd: dir, env, input: "HEAD\n^origin/main\n" });
    const listed = await gitOk(["verify-pack", "-v", `${out}-${hash}.idx`], { cwd: dir, env });
    expect(listed.split("\n").find((line) => line.startsWith(whole))?.split(/\s+/).length).toBe(7); // a delta: depth and base
    return "claude/delta";
  }],
])("a sentinel in %s is refused as a canary and audited by the credential's name", async (_where, prepare) => {
  const { gate, hits } = await canaryGate();
  const { dir, env } = await clone(gate);
  const ref = await prepare(dir, env);
  const stderr = await pushRefused(dir, env, ref);
  expect(stderr).toContain(`! [remote rejected] HEAD -> ${ref} (canary)`);
  expect(hits).toEqual(["ANTHROPIC_API_KEY"]);
  expect(readdirSync(join(gate.paths.quarantine, "pushes"))).toEqual([]);
  expect(readdirSync(join(gate.paths.quarantine, "incoming"))).toEqual([]);
  const [post] = (await gate.auditLines()).filter((line) => String(line["path"]).endsWith("git-receive-pack"));
  expect(post).toMatchObject({ kind: "git", decision: "refused", reason: "canary", canary: "ANTHROPIC_API_KEY" });
  const audit = readFileSync(gate.auditPath, "utf8");
  expect(audit).not.toContain(SENTINEL.slice(13));
});

test("a push with no sentinel goes through a gate that looks for them", async () => {
  const { gate, hits } = await canaryGate();
  const { dir, env } = await clone(gate);
  await commitFile(dir, "clean.txt", `${randomBytes(2048).toString("hex")}\n`);
  const pushed = await git(["push", "origin", "HEAD:claude/clean"], { cwd: dir, env });
  expect(pushed.stderr).toContain(" * [new branch]      HEAD -> claude/clean");
  expect(hits).toEqual([]);
});
