/**
 * The host keeper's files in the quarantine (the gate's half is bundle/serve/gate/keeper-verdict.ts):
 * the heartbeat that tells the gate a keeper runs, and whether pushes are waiting.
 */
import { chown, stat } from "node:fs/promises";
import { join } from "node:path";
import { PUSHES_DIR } from "../bundle/serve/gate/gate-store.ts";
import { KEEPER_HEARTBEAT_FILE } from "../bundle/serve/gate/keeper-verdict.ts";

export { KEEPER_HEARTBEAT_FILE };
import type { Fs } from "../core/fs.ts";
import type { WorkspacePlan } from "../core/workspace.ts";

/** Whether the gate has accepted pushes not yet imported. */
export async function hasPendingPushes(fs: Fs, workspace: WorkspacePlan): Promise<boolean> {
  const dir = join(workspace.quarantine, PUSHES_DIR);
  if (!(await fs.exists(dir))) return false;
  return (await fs.listDir(dir)).some((name) => name.endsWith(".json"));
}

/**
 * Writes the time into the heartbeat, which the gate reads. Given to the quarantine's owner: the
 * bundle may run as another user (nobody, under a root host); the time is no secret.
 */
export async function touchHeartbeat(fs: Fs, workspace: WorkspacePlan): Promise<void> {
  const owner = await stat(workspace.quarantine).catch(() => undefined);
  if (!owner) return;
  const path = join(workspace.quarantine, KEEPER_HEARTBEAT_FILE);
  await fs.writeAtomic(path, `${new Date().toISOString()}\n`, 0o644);
  await chown(path, owner.uid, owner.gid).catch(() => undefined);
}

/** Removes the heartbeat: the gate stops waiting for this keeper at once. */
export async function removeHeartbeat(fs: Fs, workspace: WorkspacePlan): Promise<void> {
  await fs.remove(join(workspace.quarantine, KEEPER_HEARTBEAT_FILE));
}
