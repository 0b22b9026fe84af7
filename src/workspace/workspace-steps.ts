/**
 * The workspace's launch steps. The mirror comes first (the bundle mounts it) and goes last:
 * its undo imports what the agent pushed and brings it into the user's repository before the
 * mirror is removed, so `down` (and a rolled-back `up`) lose no pushed work. The clone comes
 * after the backend's steps, in the running guest, as the agent user.
 */
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import type { CorePlan } from "../core/plan.ts";
import { UNPRIVILEGED_BUNDLE_USER } from "../core/bundle-plan.ts";
import type { BackendDeps } from "../core/deps.ts";
import type { Step } from "../core/step.ts";
import type { WorkspacePlan } from "../core/workspace.ts";
import { buildMirror } from "./mirror.ts";
import { importAndPull, importWaiting, MIRROR_INFO_FILE } from "./workspace-sync.ts";
import { agentBranches } from "./pull.ts";
import { AUDIT_FILE_NAME } from "../bundle/audit-files.ts";

/** A root host runs the bundle as nobody (65534): the gate must be able to write its quarantine. */
async function handOverQuarantine(plan: CorePlan & { workspace: WorkspacePlan }, deps: BackendDeps): Promise<void> {
  const { uid, gid } = UNPRIVILEGED_BUNDLE_USER;
  if (plan.bundle.user !== `${uid}:${gid}`) return;
  if (!deps.fs.chown) {
    throw new BottleError("E_NO_CHOWN", `Cannot hand ${plan.workspace.quarantine} to the bundle's uid ${uid}: this host gave claude-bottle no chown`, { exitCode: EXIT.internal });
  }
  await deps.fs.chown(plan.workspace.quarantine, uid, gid);
}

/** Where `down` parks the mirror when the user's repository is gone; the archive takes it from there. */
export const UNPULLED_WORK = "unpulled-work.git";

/**
 * The user's repository was deleted or moved: the pushes are imported into the mirror and the
 * mirror, with every branch the agent pushed, is kept for the archive instead of being lost.
 */
async function keepUnpulled(deps: BackendDeps, plan: CorePlan & { workspace: WorkspacePlan }, audit: string): Promise<void> {
  const { workspace } = plan;
  await importWaiting(deps, workspace, plan.slug, audit);
  const branches = await agentBranches(deps, workspace.mirror, workspace.refs);
  if (branches.length === 0) return;
  await deps.fs.move(workspace.mirror, join(plan.stateDir, UNPULLED_WORK));
  const names = branches.map((branch) => branch.branch).join(", ");
  deps.log.warn(`${workspace.repo} is no git repository any more: kept the agent's branches (${names}) with the archive`);
}

export function workspaceMirrorStep(plan: CorePlan & { workspace: WorkspacePlan }): Step {
  const { workspace } = plan;
  return {
    id: "workspace-mirror",
    title: `mirror ${workspace.refs.join(", ")} of ${workspace.repo}`,
    async run(deps) {
      await deps.fs.makeDir(workspace.quarantine, 0o700);
      await handOverQuarantine(plan, deps);
      const info = await buildMirror(deps, { repo: workspace.repo, refs: workspace.refs, path: workspace.mirror });
      await deps.fs.writeAtomic(join(workspace.dir, MIRROR_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, 0o600);
      return { mirror: workspace.mirror, start: info.start };
    },
    async undo(deps) {
      if (await deps.fs.exists(workspace.mirror)) {
        const audit = join(plan.bundle.dir, AUDIT_FILE_NAME);
        if (await deps.fs.exists(join(workspace.repo, ".git"))) {
          const { pulled } = await importAndPull(deps, workspace, plan.slug, audit);
          for (const branch of pulled.branches) deps.log.info(`kept ${branch.branch} as ${branch.ref} in ${workspace.repo}`);
        } else {
          await keepUnpulled(deps, plan, audit);
        }
      }
      await deps.fs.remove(workspace.dir);
    },
  };
}

/** Runs a command in the guest as the agent user; resolves its exit code. */
export type GuestExec = (command: readonly string[]) => Promise<number>;

/** The clone's command line: origin is the gate, pushes go to a branch of the same name. */
export function guestCloneArgv(plan: CorePlan & { workspace: WorkspacePlan }): string[] {
  const identity = [`user.name=Claude (bottle ${plan.slug})`, `user.email=claude@${plan.slug}.bottle.invalid`];
  const config = ["push.default=current", ...identity].flatMap((setting) => ["-c", setting]);
  return ["git", "clone", "--quiet", ...config, "--", plan.workspace.url, plan.workspace.path];
}

export function workspaceCloneStep(plan: CorePlan & { workspace: WorkspacePlan }, exec: (deps: Parameters<Step["run"]>[0], command: readonly string[]) => Promise<number>): Step {
  return {
    id: "workspace-clone",
    title: `clone the workspace into ${plan.workspace.path}`,
    async run(deps) {
      const code = await exec(deps, guestCloneArgv(plan));
      if (code !== 0) {
        throw new BottleError("E_WORKSPACE_CLONE", `Cannot clone the workspace into ${plan.workspace.path} in bottle "${plan.slug}": git exited with code ${code}`, {
          exitCode: EXIT.failed,
          hint: "the agent image needs git (claude-bottle preflight checks); claude-bottle logs NAME shows the gate's side",
        });
      }
      return { path: plan.workspace.path };
    },
    // The clone lives and dies with the guest.
    async undo() {},
  };
}
