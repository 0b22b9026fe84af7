/**
 * Preflight for a bottle with a workspace: the host's git (the mirror, imports and pulls use
 * it), the refs to copy, and git in the agent image (the clone runs in the guest). Read-only:
 * the image check runs `git --version` in a throw-away container with no network.
 */
import type { BackendDeps } from "../core/deps.ts";
import type { Finding } from "../core/step.ts";
import type { WorkspacePlan } from "../core/workspace.ts";
import { gitVersionArgv, resolveCommitArgv } from "./git-argv.ts";

/** `git --version` inside the agent image, with nothing mounted and no network. */
export function imageGitArgv(image: string): string[] {
  return ["docker", "run", "--rm", "--pull", "never", "--network", "none", "--entrypoint", "git", image, "--version"];
}

async function hostGitFinding(deps: BackendDeps): Promise<Finding> {
  const version = await deps.runner.run(gitVersionArgv(), { timeoutMs: 10_000 });
  if (version.exitCode === 0) return { code: "WORKSPACE_HOST_GIT", level: "ok", message: `host ${version.stdout.trim()}` };
  return {
    code: "WORKSPACE_HOST_GIT",
    level: "fail",
    message: "git is not installed on this host: the workspace mirror, imports and pulls need it",
    fix: "install git (apt-get install git), or remove [workspace] from bottle.toml",
  };
}

async function refsFinding(deps: BackendDeps, workspace: WorkspacePlan): Promise<Finding> {
  if (workspace.refs.length === 0) {
    return {
      code: "WORKSPACE_REFS",
      level: "fail",
      message: `${workspace.repo} has a detached HEAD: there is no current branch to give the agent`,
      fix: "check out a branch, or list branches in [workspace] refs",
    };
  }
  for (const ref of workspace.refs) {
    const resolved = await deps.runner.run(resolveCommitArgv(workspace.repo, ref), { timeoutMs: 10_000 });
    if (resolved.exitCode !== 0) {
      return { code: "WORKSPACE_REFS", level: "fail", message: `"${ref}" names no commit in ${workspace.repo}`, fix: "commit on that branch, or fix [workspace] refs" };
    }
  }
  return { code: "WORKSPACE_REFS", level: "ok", message: `workspace: ${workspace.refs.join(", ")} of ${workspace.repo}` };
}

async function imageGitFinding(deps: BackendDeps, image: string): Promise<Finding> {
  const version = await deps.runner.run(imageGitArgv(image), { timeoutMs: 120_000 });
  if (version.exitCode === 0) return { code: "WORKSPACE_IMAGE_GIT", level: "ok", message: `agent image ${image} has ${version.stdout.trim()}` };
  return {
    code: "WORKSPACE_IMAGE_GIT",
    level: "fail",
    message: `the agent image ${image} has no git (or does not run): the workspace is cloned in the guest with it`,
    fix: "add git to the agent image (claude-bottle image agent builds one with it), or remove [workspace]",
  };
}

/** Every workspace finding; none when the bottle has no workspace. */
export async function workspaceFindings(deps: BackendDeps, workspace: WorkspacePlan | undefined, agentImage: string): Promise<Finding[]> {
  if (!workspace) return [];
  const host = await hostGitFinding(deps);
  if (host.level === "fail") return [host, await imageGitFinding(deps, agentImage)];
  return [host, await refsFinding(deps, workspace), await imageGitFinding(deps, agentImage)];
}
