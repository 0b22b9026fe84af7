/**
 * Imports the pushes the gate accepted into the mirror, oldest first, with the host's git:
 * each pack is indexed with `index-pack --strict` in a scratch object directory that borrows
 * the mirror's objects, its tips must be commits whose every object is present, and only then
 * are the pack moved in and the refs moved (compare-and-swap; a forced update keeps the old
 * tip as `refs/bottle-backup/<branch>/<old id>`). A push that fails is moved aside, never imported.
 */
import { join } from "node:path";
import { isPushId, PUSHES_DIR, type PushRecord } from "../bundle/serve/gate/gate-store.ts";
import { refVerdict, type RefRules } from "../bundle/serve/gate/ref-policy.ts";
import { ZERO_ID } from "../bundle/serve/gate/receive-request.ts";
import { ensureSuccess } from "../core/runner.ts";
import {
  batchCheckArgv,
  connectivityArgv,
  indexPackArgv,
  isAncestorArgv,
  refTransaction,
  updateRefsArgv,
  updateServerInfoArgv,
} from "./git-argv.ts";
import type { WorkspaceDeps } from "./mirror.ts";
import { overlapsMirror, repackWithTips, writeTips } from "./pack-tips.ts";

export interface WorkspacePaths {
  readonly mirror: string;
  readonly quarantine: string;
  /** Records of imported pushes. */
  readonly imported: string;
  /** Records of pushes that failed their checks, with the reason. */
  readonly rejected: string;
  readonly scratch: string;
}

export interface ImportResult {
  readonly id: string;
  readonly ok: boolean;
  readonly reason?: string;
  readonly refs: PushRecord["refs"];
  /** Backup refs written for forced updates. */
  readonly backups: readonly string[];
  readonly durationMs: number;
}

export const BACKUP_PREFIX = "refs/bottle-backup/";

class Refused extends Error {}

/** The host's own check of a record, with the same rules the gate applied. */
function recheck(record: PushRecord, rules: RefRules): void {
  const none = new Map<string, string>();
  for (const command of record.refs) {
    const verdict = refVerdict({ ...command, oldId: ZERO_ID }, none, rules);
    if (!verdict.ok && !verdict.reason.startsWith("stale")) throw new Refused(`${command.ref}: ${verdict.reason}`);
  }
}

async function git(deps: WorkspaceDeps, argv: string[], env: Record<string, string>, input?: string) {
  return deps.runner.run(argv, { env, ...(input === undefined ? {} : { input }) });
}

/**
 * Moves the push's pack into a fresh scratch object directory. An import cut short after that
 * move finds the pack there instead and starts from it; no pack anywhere is a refusal.
 */
async function stagePack(deps: WorkspaceDeps, paths: WorkspacePaths, record: PushRecord): Promise<void> {
  const queued = join(paths.quarantine, PUSHES_DIR, `${record.id}.pack`);
  const staged = join(paths.scratch, "objects", "pack", "incoming.pack");
  if (await deps.fs.exists(queued)) {
    await deps.fs.remove(paths.scratch);
    await deps.fs.makeDir(join(paths.scratch, "objects", "pack"), 0o700);
    await deps.fs.move(queued, staged);
  } else if (await deps.fs.exists(staged)) {
    await deps.fs.remove(join(paths.scratch, "objects", "pack", "incoming.idx"));
  } else {
    throw new Refused("its pack is missing from the quarantine");
  }
}

/** Indexes and checks the pack in scratch; returns the pack's name stem ("pack-<hash>"). */
async function checkPack(
  deps: WorkspaceDeps,
  paths: WorkspacePaths,
  record: PushRecord,
  env: Record<string, string>,
): Promise<string> {
  const pack = join(paths.scratch, "objects", "pack", "incoming.pack");
  const indexed = await git(
    deps,
    indexPackArgv(paths.mirror, pack, join(paths.scratch, "objects", "pack", "incoming.idx")),
    env,
  );
  if (indexed.exitCode !== 0)
    throw new Refused(`pack failed git's checks: ${indexed.stderr.trim().split("\n").pop() ?? ""}`);
  const tips = record.refs.map((command) => command.newId);
  const types = await git(deps, batchCheckArgv(paths.mirror), env, `${tips.join("\n")}\n`);
  const notCommit = types.stdout
    .trim()
    .split("\n")
    .find((line) => line.split(" ")[1] !== "commit");
  if (types.exitCode !== 0 || notCommit !== undefined)
    throw new Refused(`a pushed tip is not a commit in the pack or mirror: ${notCommit ?? types.stderr.trim()}`);
  const connected = await git(deps, connectivityArgv(paths.mirror), env, `${tips.join("\n")}\n`);
  if (connected.exitCode !== 0)
    throw new Refused(
      `the push references objects that neither it nor the mirror holds: ${connected.stderr.trim().split("\n").pop() ?? ""}`,
    );
  return `pack-${indexed.stdout.trim()}`;
}

/** Backup refs for updates that are not fast-forwards (the old tip is in the mirror already). */
async function backupsFor(
  deps: WorkspaceDeps,
  paths: WorkspacePaths,
  record: PushRecord,
): Promise<{ ref: string; newId: string; oldId: string }[]> {
  const backups = [];
  for (const command of record.refs) {
    if (command.oldId === ZERO_ID) continue;
    const ancestor = await deps.runner.run(isAncestorArgv(paths.mirror, command.oldId, command.newId));
    if (ancestor.exitCode === 1)
      backups.push({
        ref: `${BACKUP_PREFIX}${command.ref.slice("refs/heads/".length)}/${command.oldId}`,
        newId: command.oldId,
        oldId: ZERO_ID,
      });
    else ensureSuccess(ancestor, "compare a pushed branch with its previous tip");
  }
  return backups;
}

async function importOne(
  deps: WorkspaceDeps,
  paths: WorkspacePaths,
  record: PushRecord,
  rules: RefRules,
): Promise<string[]> {
  recheck(record, rules);
  await stagePack(deps, paths, record);
  const env = {
    GIT_OBJECT_DIRECTORY: join(paths.scratch, "objects"),
    GIT_ALTERNATE_OBJECT_DIRECTORIES: join(paths.mirror, "objects"),
  };
  const stem = await checkPack(deps, paths, record, env);
  const packDir = join(paths.mirror, "objects", "pack");
  const overlap = await overlapsMirror(deps, paths.mirror, join(paths.scratch, "objects", "pack", "incoming.idx"));
  // Tips, then the pack before its index: git only sees a pack once its .idx exists.
  if (!overlap) await writeTips(deps, paths.mirror, stem, record.refs.map((command) => command.newId));
  await deps.fs.move(join(paths.scratch, "objects", "pack", "incoming.pack"), join(packDir, `${stem}.pack`));
  await deps.fs.move(join(paths.scratch, "objects", "pack", "incoming.idx"), join(packDir, `${stem}.idx`));
  const backups = await backupsFor(deps, paths, record);
  const moved = await deps.runner.run(updateRefsArgv(paths.mirror), {
    input: refTransaction([...record.refs, ...backups]),
  });
  if (moved.exitCode !== 0)
    throw new Refused(`the branch moved since this push was accepted: ${moved.stderr.trim().split("\n").pop() ?? ""}`);
  // The gate's smart fetch sends whole packs, which must not share objects.
  if (overlap) await repackWithTips(deps, paths.mirror);
  ensureSuccess(await deps.runner.run(updateServerInfoArgv(paths.mirror)), "update the mirror's info/refs");
  return backups.map((backup) => backup.ref);
}

/** Pending records in the quarantine, oldest first. */
export async function pendingPushes(deps: WorkspaceDeps, quarantine: string): Promise<PushRecord[]> {
  const dir = join(quarantine, PUSHES_DIR);
  if (!(await deps.fs.exists(dir))) return [];
  const ids = (await deps.fs.listDir(dir))
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -5))
    .filter(isPushId)
    .sort();
  return Promise.all(ids.map(async (id) => JSON.parse(await deps.fs.readText(join(dir, `${id}.json`))) as PushRecord));
}

/**
 * Imports every pending push in order. Not safe to run twice at once (hold the bottle's lock);
 * safe to repeat: a record leaves the quarantine only after its outcome is written.
 */
export async function importPushes(
  deps: WorkspaceDeps,
  paths: WorkspacePaths,
  rules: RefRules,
): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const record of await pendingPushes(deps, paths.quarantine)) {
    const started = performance.now();
    let result: ImportResult;
    try {
      const backups = await importOne(deps, paths, record, rules);
      result = {
        id: record.id,
        ok: true,
        refs: record.refs,
        backups,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      result = {
        id: record.id,
        ok: false,
        reason: error.message,
        refs: record.refs,
        backups: [],
        durationMs: Math.round(performance.now() - started),
      };
    }
    const where = result.ok ? paths.imported : paths.rejected;
    await deps.fs.makeDir(where, 0o700);
    await deps.fs.writeAtomic(join(where, `${record.id}.json`), `${JSON.stringify({ ...record, result })}\n`, 0o600);
    await deps.fs.remove(join(paths.quarantine, PUSHES_DIR, `${record.id}.pack`));
    await deps.fs.remove(join(paths.quarantine, PUSHES_DIR, `${record.id}.json`));
    await deps.fs.remove(paths.scratch);
    results.push(result);
  }
  return results;
}
