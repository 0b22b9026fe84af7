/**
 * `pull NAME [--branch B]` and `diff NAME [BRANCH]`: the agent's pushed work, brought to the
 * host. Both first import what the gate accepted (under the bottle's lock); only `pull` writes
 * the user's repository, and there only `refs/remotes/bottle-NAME/*`.
 */
import { join } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import type { CorePlan } from "../core/plan.ts";
import { terminalSafe, terminalSafeText } from "../core/terminal-safe.ts";
import type { WorkspacePlan } from "../core/workspace.ts";
import { AUDIT_FILE_NAME } from "../bundle/audit-files.ts";
import { recordedCorePlan } from "../lifecycle/bottle.ts";
import { bottleLockPath } from "../lifecycle/paths.ts";
import type { ImportResult } from "../workspace/import-push.ts";
import type { MirrorInfo } from "../workspace/mirror.ts";
import { agentBranches, branchDiff } from "../workspace/pull.ts";
import { markPulled } from "../workspace/waiting.ts";
import { importAndPull, importWaiting, MIRROR_INFO_FILE } from "../workspace/workspace-sync.ts";
import type { CliContext } from "./context.ts";
import { json } from "./report.ts";
import { requireState } from "./require-state.ts";

async function workspaceOf(ctx: CliContext, name: string): Promise<{ plan: CorePlan; workspace: WorkspacePlan }> {
  const plan = recordedCorePlan((await requireState(ctx, name)).plan);
  if (!plan.workspace) {
    throw new BottleError("E_NO_WORKSPACE", `Cannot read the work of bottle "${name}": it has no workspace`, {
      exitCode: EXIT.usage,
      hint: "a bottle whose bottle.toml is in a git repository (or sets [workspace] repo) gets one at up",
    });
  }
  return { plan, workspace: plan.workspace };
}

async function locked<T>(ctx: CliContext, name: string, work: () => Promise<T>): Promise<T> {
  const release = await ctx.locks.acquire(bottleLockPath(ctx.home, name), `bottle "${name}"`);
  try {
    return await work();
  } finally {
    await release();
  }
}

function importLines(results: readonly ImportResult[]): string {
  return results
    .filter((result) => !result.ok)
    .map((result) => `refused push ${result.id} (${result.refs.map((ref) => ref.ref).join(", ")}): ${result.reason ?? ""}\n`)
    .map(terminalSafe)
    .join("");
}

export async function pullCommand(ctx: CliContext, name: string, options: { branch?: string; json?: boolean }): Promise<number> {
  const { plan, workspace } = await workspaceOf(ctx, name);
  const audit = join(plan.bundle.dir, AUDIT_FILE_NAME);
  const { imported, pulled } = await locked(ctx, name, async () => {
    const done = await importAndPull(ctx, workspace, name, audit, options.branch);
    if (options.branch === undefined) await markPulled(ctx.fs, workspace);
    return done;
  });
  if (options.json) {
    ctx.out(json({ repo: workspace.repo, imported, branches: pulled.branches, backups: pulled.backups }));
    return EXIT.ok;
  }
  const refused = importLines(imported);
  if (refused) ctx.err(refused.split("\n").filter(Boolean).map((line) => `warning: ${line}\n`).join(""));
  if (pulled.branches.length === 0) {
    ctx.out(`bottle "${name}": nothing pushed yet (the agent pushes with: git push origin HEAD:claude/NAME)\n`);
    return EXIT.ok;
  }
  const rows = pulled.branches.map((branch) => `  ${terminalSafe(branch.ref.slice("refs/remotes/".length))}  ${branch.id.slice(0, 12)}\n`);
  const backups = pulled.backups.map((ref) => `  ${terminalSafe(ref.slice("refs/remotes/".length))}  (the tip a forced push replaced)\n`);
  const first = terminalSafe((pulled.branches[0] as { branch: string }).branch);
  ctx.out(`pulled into ${workspace.repo}:\n${rows.join("")}${backups.join("")}`);
  ctx.out(`see: git log -p ${workspace.refs[0]?.replace("refs/heads/", "") ?? "HEAD"}..bottle-${name}/${first}   or   claude-bottle diff ${name} ${first}\n`);
  return EXIT.ok;
}

async function chooseBranch(ctx: CliContext, name: string, workspace: WorkspacePlan, wanted: string | undefined): Promise<{ branch: string; id: string }> {
  const branches = await agentBranches(ctx, workspace.mirror, workspace.refs);
  const found = wanted === undefined ? (branches.length === 1 ? branches[0] : undefined) : branches.find((branch) => branch.branch === wanted);
  if (found) return found;
  const listed = branches.map((branch) => branch.branch).join(", ");
  const why = wanted !== undefined ? `the agent has not pushed "${wanted}"` : branches.length === 0 ? "the agent has pushed nothing yet" : "the agent pushed several branches";
  throw new BottleError("E_DIFF_BRANCH", `Cannot diff bottle "${name}": ${terminalSafe(why)}`, {
    exitCode: EXIT.usage,
    hint: branches.length > 0 ? `name one: claude-bottle diff ${name} BRANCH (pushed: ${terminalSafe(listed)})` : "the agent pushes with: git push origin HEAD:claude/NAME",
  });
}

export async function diffCommand(ctx: CliContext, name: string, branch: string | undefined, options: { json?: boolean }): Promise<number> {
  const { plan, workspace } = await workspaceOf(ctx, name);
  await locked(ctx, name, () => importWaiting(ctx, workspace, name, join(plan.bundle.dir, AUDIT_FILE_NAME)));
  const info = JSON.parse(await ctx.fs.readText(join(workspace.dir, MIRROR_INFO_FILE))) as MirrorInfo;
  const chosen = await chooseBranch(ctx, name, workspace, branch);
  const diff = await branchDiff(ctx, { mirror: workspace.mirror, start: info.start, tip: chosen.id });
  if (options.json) ctx.out(json({ branch: chosen.branch, start: info.start, tip: chosen.id, diff }));
  else ctx.out(`${terminalSafeText(`diff of ${chosen.branch} (${chosen.id.slice(0, 12)}) against the start ${info.start.slice(0, 12)}`)}\n${diff}`);
  return EXIT.ok;
}
