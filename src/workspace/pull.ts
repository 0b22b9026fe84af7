/**
 * Brings the agent's branches from the mirror into the user's repository as
 * `refs/remotes/bottle-<name>/<branch>` (and forced-away tips as `.../backup/<branch>/<id>`):
 * the only refs of the user's repository claude-bottle ever writes. And the diff of a branch
 * against the commit the agent started from.
 */
import { BottleError } from "../core/errors.ts";
import { ensureSuccess } from "../core/runner.ts";
import { terminalSafeText } from "../core/terminal-safe.ts";
import { diffArgv, fetchIntoUserArgv, listRefsArgv } from "./git-argv.ts";
import { BACKUP_PREFIX } from "./import-push.ts";
import type { WorkspaceDeps } from "./mirror.ts";

export interface AgentBranch {
  readonly branch: string;
  readonly id: string;
}

/** The user-side ref a mirror branch is pulled to. */
export function remoteRef(name: string, branch: string): string {
  return `refs/remotes/bottle-${name}/${branch}`;
}

/** Branches in the mirror other than the ones exposed from the host: the agent's work. */
export async function agentBranches(
  deps: WorkspaceDeps,
  mirror: string,
  exposed: readonly string[],
): Promise<AgentBranch[]> {
  const listed = ensureSuccess(
    await deps.runner.run(listRefsArgv(mirror, "refs/heads/")),
    "list the agent's branches",
  ).stdout;
  return listed
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(" ") as [string, string])
    .filter(([, ref]) => !exposed.includes(ref))
    .map(([id, ref]) => ({ branch: ref.slice("refs/heads/".length), id }));
}

/** Backup refs in the mirror, as "<branch>/<old id>", of one branch or all. */
async function backupNames(deps: WorkspaceDeps, mirror: string, only: string | undefined): Promise<string[]> {
  const listed = ensureSuccess(await deps.runner.run(listRefsArgv(mirror, BACKUP_PREFIX)), "list backup refs").stdout;
  return listed
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (line.split(" ")[1] as string).slice(BACKUP_PREFIX.length))
    .filter((rest) => only === undefined || rest.startsWith(`${only}/`));
}

export interface PullResult {
  readonly branches: readonly (AgentBranch & { readonly ref: string })[];
  readonly backups: readonly string[];
}

/**
 * Fetches the agent's branches (or only `only`) into `repo`. Idempotent. Throws when `only`
 * names a branch the agent has not pushed.
 */
export async function pullBranches(
  deps: WorkspaceDeps,
  args: { repo: string; mirror: string; name: string; exposed: readonly string[]; only?: string },
): Promise<PullResult> {
  const all = await agentBranches(deps, args.mirror, args.exposed);
  const branches = args.only === undefined ? all : all.filter((branch) => branch.branch === args.only);
  if (args.only !== undefined && branches.length === 0) {
    throw new BottleError(
      "E_PULL_BRANCH",
      `Cannot pull "${args.only}" from bottle "${args.name}": the agent has not pushed that branch`,
      {
        hint:
          all.length > 0
            ? `pushed branches: ${all.map((branch) => branch.branch).join(", ")}`
            : "nothing has been pushed yet",
      },
    );
  }
  const backups = await backupNames(deps, args.mirror, args.only);
  const specs = [
    ...branches.map((branch) => `+refs/heads/${branch.branch}:${remoteRef(args.name, branch.branch)}`),
    ...backups.map((rest) => `+${BACKUP_PREFIX}${rest}:${remoteRef(args.name, `backup/${rest}`)}`),
  ];
  if (specs.length > 0) {
    ensureSuccess(
      await deps.runner.run(fetchIntoUserArgv(args.repo, args.mirror, specs)),
      `fetch the agent's branches into "${args.repo}"`,
    );
  }
  return {
    branches: branches.map((branch) => ({ ...branch, ref: remoteRef(args.name, branch.branch) })),
    backups: backups.map((rest) => remoteRef(args.name, `backup/${rest}`)),
  };
}

/** The agent's change on `branch` against the start commit, safe to print. */
export async function branchDiff(
  deps: WorkspaceDeps,
  args: { mirror: string; start: string; tip: string },
): Promise<string> {
  const result = ensureSuccess(
    await deps.runner.run(diffArgv(args.mirror, args.start, args.tip)),
    "diff the agent's branch",
  );
  return terminalSafeText(result.stdout);
}
