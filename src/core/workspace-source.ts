/**
 * Finds the repository a bottle's workspace comes from: `[workspace] repo` (relative to the
 * manifest), else the work tree the manifest is in. Reads files only (no git): `.git` as a
 * directory or, in a linked worktree or submodule, a "gitdir:" file; HEAD names the branch.
 */
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import type { Fs } from "./fs.ts";
import type { WorkspaceSource } from "./workspace.ts";

async function gitDirOf(fs: Fs, top: string): Promise<string | undefined> {
  const dotGit = join(top, ".git");
  if (!(await fs.exists(dotGit))) return undefined;
  const pointer = await fs.readTextIfExists(dotGit).catch(() => undefined);
  const match = pointer === undefined ? undefined : /^gitdir: (.+)$/m.exec(pointer);
  return match ? resolve(top, (match[1] as string).trim()) : dotGit;
}

async function sourceAt(fs: Fs, top: string, gitDir: string): Promise<WorkspaceSource> {
  const head = (await fs.readTextIfExists(join(gitDir, "HEAD")))?.trim() ?? "";
  const branch = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
  return branch ? { repo: top, head: branch } : { repo: top };
}

/**
 * The workspace's source for a manifest, or undefined when there is none (`enabled = false`, or no
 * `repo` set and no repository around the manifest). Throws ConfigError when `repo` names no work tree, or when
 * `[workspace]` is present but no repository can be found.
 */
export async function findWorkspaceSource(fs: Fs, manifestPath: string, table: { enabled?: boolean; repo?: string } | undefined): Promise<WorkspaceSource | undefined> {
  if (table?.enabled === false) return undefined;
  if (table?.repo !== undefined) {
    const top = resolve(dirname(manifestPath), table.repo);
    const gitDir = await gitDirOf(fs, top);
    if (!gitDir) throw new ConfigError("E_MANIFEST_INVALID", `Cannot use manifest "${manifestPath}": [workspace] repo is not a git work tree`, [{ path: "workspace.repo", message: `"${top}" has no .git` }], { hint: "name the top directory of a git work tree, relative to the manifest" });
    return sourceAt(fs, top, gitDir);
  }
  for (let dir = dirname(manifestPath); ; dir = dirname(dir)) {
    const gitDir = await gitDirOf(fs, dir);
    if (gitDir) return sourceAt(fs, dir, gitDir);
    if (dirname(dir) === dir) break;
  }
  if (table) throw new ConfigError("E_MANIFEST_INVALID", `Cannot use manifest "${manifestPath}": it has a [workspace] but is in no git repository`, [{ path: "workspace.repo", message: "is required outside a git repository" }], { hint: "set [workspace] repo to a git work tree, or remove [workspace]" });
  return undefined;
}
