/**
 * What `pull`, `diff` and `down` share: import the gate's accepted pushes into the mirror (each
 * outcome appended to the bottle's audit log, so `logs` and `/events` readers see refusals), then
 * optionally bring the agent's branches into the user's repository.
 */
import { appendFile, chown, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { WorkspacePlan } from "../core/workspace.ts";
import { VERDICTS_DIR } from "../bundle/serve/gate/keeper-verdict.ts";
import { importPushes, type ImportResult, type WorkspacePaths } from "./import-push.ts";
import type { WorkspaceDeps } from "./mirror.ts";
import { pullBranches, type PullResult } from "./pull.ts";

export const MIRROR_INFO_FILE = "mirror.json";
const STALE_VERDICT_MS = 10 * 60 * 1000;

export function workspacePaths(workspace: WorkspacePlan): WorkspacePaths {
  return {
    mirror: workspace.mirror,
    quarantine: workspace.quarantine,
    imported: join(workspace.dir, "imported"),
    rejected: join(workspace.dir, "rejected"),
    scratch: join(workspace.dir, "import-scratch"),
  };
}

/** One audit line per import, in the shape the bundle writes (kind "git", method "import"). */
export function importAuditLine(bottle: string, result: ImportResult, time: string): string {
  const refs = result.refs.map((ref) => ({ ...ref, result: result.ok ? "ok" : "refused" }));
  const event = {
    time,
    bottle,
    kind: "git",
    client: "host",
    method: "import",
    host: "gate",
    path: `push ${result.id}`,
    decision: result.ok ? "allow" : "deny",
    rule: "git-import",
    ...(result.reason ? { reason: result.reason } : {}),
    durationMs: result.durationMs,
    refs,
  };
  return `${JSON.stringify(event)}\n`;
}

/**
 * Appends to the bundle's audit log. A file this creates (the bundle had written none since a
 * rotation) gets the directory's owner, so the bundle — nobody, under a root host — can append.
 */
async function appendAudit(path: string, lines: string): Promise<void> {
  const existed = await stat(path).then(() => true, () => false);
  await appendFile(path, lines, { mode: 0o600 });
  if (existed) return;
  const owner = await stat(dirname(path));
  await chown(path, owner.uid, owner.gid).catch(() => undefined);
}

/** A refusal as one printable line git can show after `! [remote rejected]`. Pure. */
export function verdictReason(reason: string): string {
  const line = reason.replace(/[^\x21-\x7e]+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/**
 * Answers the gate, which may be waiting on each push (see keeper-verdict.ts). Given to the
 * owner of the verdicts directory: the bundle may run as another user (nobody, under a root host).
 */
async function writeVerdicts(deps: WorkspaceDeps, quarantine: string, results: readonly ImportResult[]): Promise<void> {
  const dir = join(quarantine, VERDICTS_DIR);
  const owner = results.length === 0 ? undefined : await stat(dir).catch(() => undefined);
  if (!owner) return;
  // Verdicts nobody read (the gate stopped waiting) go once they are old; a push id starts with its time.
  for (const name of await deps.fs.listDir(dir)) {
    if (Number(name.slice(0, 15)) < Date.now() - STALE_VERDICT_MS) await deps.fs.remove(join(dir, name));
  }
  for (const result of results) {
    const verdict = result.ok ? { ok: true } : { ok: false, reason: verdictReason(result.reason ?? "refused") };
    const path = join(dir, `${result.id}.json`);
    await deps.fs.writeAtomic(path, `${JSON.stringify(verdict)}\n`, 0o600);
    await chown(path, owner.uid, owner.gid).catch(() => undefined);
  }
}

/** Imports every waiting push; appends each outcome to `auditPath`. Hold the bottle's lock. */
export async function importWaiting(deps: WorkspaceDeps, workspace: WorkspacePlan, bottle: string, auditPath: string): Promise<ImportResult[]> {
  if (!(await deps.fs.exists(workspace.mirror))) return [];
  const results = await importPushes(deps, workspacePaths(workspace), { push: workspace.push, exposed: workspace.refs });
  const lines = results.map((result) => importAuditLine(bottle, result, new Date().toISOString())).join("");
  if (lines !== "") await appendAudit(auditPath, lines);
  await writeVerdicts(deps, workspace.quarantine, results);
  return results;
}

/** Imports, then fetches the agent's branches into the user's repository. */
export async function importAndPull(deps: WorkspaceDeps, workspace: WorkspacePlan, bottle: string, auditPath: string, only?: string): Promise<{ imported: ImportResult[]; pulled: PullResult }> {
  const imported = await importWaiting(deps, workspace, bottle, auditPath);
  const pulled = await pullBranches(deps, { repo: workspace.repo, mirror: workspace.mirror, name: bottle, exposed: workspace.refs, ...(only === undefined ? {} : { only }) });
  return { imported, pulled };
}
