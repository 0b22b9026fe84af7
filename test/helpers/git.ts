/** Real git clients for gate tests: async (the gate runs in this process), isolated from the user's config. */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./cli.ts";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An environment with no user or system git config, a fixed identity and no prompts. */
export function gitEnv(home = tempDir("git-home")): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Agent",
    GIT_AUTHOR_EMAIL: "agent@bottle.invalid",
    GIT_COMMITTER_NAME: "Agent",
    GIT_COMMITTER_EMAIL: "agent@bottle.invalid",
    GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  };
}

const defaultEnv = gitEnv("/nonexistent-git-home");

/** Runs git and resolves with its result once it exits (never rejects on a non-zero exit). */
export function git(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: options.cwd, env: options.env ?? defaultEnv, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 128, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** git that must succeed; the error carries its stderr. */
export async function gitOk(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<string> {
  const result = await git(args, options);
  if (result.code !== 0) throw new Error(`git ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A work tree on branch `main` with `commits` commits of one file each; returns its path. */
export async function userRepo(commits = 2): Promise<string> {
  const repo = tempDir("user-repo");
  await gitOk(["init", "-q", "-b", "main", repo]);
  for (let index = 0; index < commits; index++) {
    writeFileSync(join(repo, `file-${index}.txt`), `content ${index}\n`);
    await gitOk(["add", "."], { cwd: repo });
    await gitOk(["commit", "-q", "-m", `commit ${index}`], { cwd: repo });
  }
  return repo;
}

/** Commits a file in `dir` and returns the new commit id. */
export async function commitFile(dir: string, name: string, contents: string | Uint8Array, message = `add ${name}`): Promise<string> {
  writeFileSync(join(dir, name), contents);
  await gitOk(["add", name], { cwd: dir });
  await gitOk(["commit", "-q", "-m", message], { cwd: dir });
  return gitOk(["rev-parse", "HEAD"], { cwd: dir });
}
