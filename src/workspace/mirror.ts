/**
 * The workspace mirror: a bare repository in the bottle's state holding only the chosen refs
 * and the objects they reach (no alternates, other refs, reflogs or hooks), fully packed, with
 * `update-server-info` run so the gate can serve it over dumb HTTP. Built with the host's git.
 */
import type { Fs } from "../core/fs.ts";
import { BottleError } from "../core/errors.ts";
import { ensureSuccess, type Runner } from "../core/runner.ts";
import {
  fetchRefsArgv,
  initBareArgv,
  packRefsArgv,
  resolveCommitArgv,
  symbolicHeadArgv,
  symbolicRefArgv,
  updateServerInfoArgv,
} from "./git-argv.ts";
import { repackWithTips } from "./pack-tips.ts";

export interface WorkspaceDeps {
  readonly runner: Runner;
  readonly fs: Fs;
}

export interface MirrorSpec {
  /** The user's work tree (absolute). */
  readonly repo: string;
  /** Refs the agent may read, full names ("refs/heads/main"); empty = the current branch. */
  readonly refs: readonly string[];
  /** Where the mirror goes (absolute); built beside it and renamed into place. */
  readonly path: string;
}

export interface MirrorInfo {
  readonly repo: string;
  /** The refs copied, with the commit each named when the bottle started. */
  readonly refs: Readonly<Record<string, string>>;
  /** The branch the mirror's HEAD names: the agent's checkout. */
  readonly head: string;
  /** The commit the agent starts from (what `diff` compares against). */
  readonly start: string;
}

/** The refs to copy: the manifest's, or the branch checked out in the repository. */
async function chosenRefs(deps: WorkspaceDeps, spec: MirrorSpec): Promise<string[]> {
  if (spec.refs.length > 0) return [...spec.refs];
  const head = await deps.runner.run(symbolicHeadArgv(spec.repo));
  if (head.exitCode === 1) {
    throw new BottleError(
      "E_WORKSPACE_DETACHED",
      `Cannot build the workspace mirror of "${spec.repo}": HEAD is detached, so there is no current branch to copy`,
      {
        exitCode: 78,
        hint: "check out a branch, or name the refs in [workspace] refs",
      },
    );
  }
  return [ensureSuccess(head, `read the current branch of "${spec.repo}"`).stdout.trim()];
}

/** Runs one git step of the build; a failure names the step. */
async function step(deps: WorkspaceDeps, argv: string[], action: string): Promise<string> {
  return ensureSuccess(
    await deps.runner.run(argv),
    action,
    "check the repository with git status; claude-bottle preflight checks git",
  ).stdout;
}

/** The commit each ref names, in order; a ref that names none is a configuration error. */
async function resolveCommits(deps: WorkspaceDeps, repo: string, refs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const resolved = await deps.runner.run(resolveCommitArgv(repo, ref));
    if (resolved.exitCode !== 0) {
      throw new BottleError("E_WORKSPACE_REF", `Cannot build the workspace mirror of "${repo}": "${ref}" names no commit there`, {
        exitCode: 78,
        hint: "[workspace] refs takes full ref names of branches, such as refs/heads/main",
      });
    }
    ids.push(resolved.stdout.trim());
  }
  return ids;
}

/**
 * Builds the mirror at `spec.path` (replacing nothing: fails if it exists). Whole or absent:
 * the build happens in a sibling directory that is removed on failure.
 */
export async function buildMirror(deps: WorkspaceDeps, spec: MirrorSpec): Promise<MirrorInfo> {
  if (await deps.fs.exists(spec.path)) {
    throw new BottleError("E_WORKSPACE_EXISTS", `Cannot build the workspace mirror: "${spec.path}" already exists`, {
      hint: "run claude-bottle down NAME first",
    });
  }
  const refs = await chosenRefs(deps, spec);
  const ids = await resolveCommits(deps, spec.repo, refs);
  const building = `${spec.path}.building`;
  await deps.fs.remove(building);
  try {
    await step(deps, initBareArgv(building), "create the workspace mirror");
    await step(deps, fetchRefsArgv(building, spec.repo, refs), `copy ${refs.join(", ")} into the workspace mirror`);
    const head = refs.find((ref) => ref.startsWith("refs/heads/")) ?? (refs[0] as string);
    await step(deps, symbolicRefArgv(building, "HEAD", head), "point the mirror's HEAD at its branch");
    await repackWithTips(deps, building);
    await step(deps, packRefsArgv(building), "pack the workspace mirror's refs");
    await step(deps, updateServerInfoArgv(building), "write the mirror's info/refs");
    await deps.fs.move(building, spec.path);
    const start = ids[refs.indexOf(head)] as string;
    return {
      repo: spec.repo,
      refs: Object.fromEntries(refs.map((ref, index) => [ref, ids[index] as string])),
      head,
      start,
    };
  } catch (error) {
    await deps.fs.remove(building);
    throw error;
  }
}
