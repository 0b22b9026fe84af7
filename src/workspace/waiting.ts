/**
 * How many of the agent's pushes the user has not pulled yet: those still in the quarantine
 * plus those imported since the last full `pull` (which records the newest id it brought in).
 * Files only; no git.
 */
import { join } from "node:path";
import { isPushId, PUSHES_DIR } from "../bundle/serve/gate/gate-store.ts";
import type { Fs } from "../core/fs.ts";
import type { WorkspacePlan } from "../core/workspace.ts";

export const PULLED_FILE = "pulled.json";

async function ids(fs: Fs, dir: string): Promise<string[]> {
  if (!(await fs.exists(dir))) return [];
  return (await fs.listDir(dir))
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .filter(isPushId);
}

async function pulledThrough(fs: Fs, workspace: WorkspacePlan): Promise<string> {
  const text = await fs.readTextIfExists(join(workspace.dir, PULLED_FILE));
  const through = text === undefined ? undefined : (JSON.parse(text) as { through?: unknown }).through;
  return typeof through === "string" ? through : "";
}

export async function waitingPushes(fs: Fs, workspace: WorkspacePlan): Promise<number> {
  const pending = await ids(fs, join(workspace.quarantine, PUSHES_DIR));
  const through = await pulledThrough(fs, workspace);
  const imported = (await ids(fs, join(workspace.dir, "imported"))).filter((id) => id > through);
  return pending.length + imported.length;
}

/** After a full pull: every push imported so far has reached the user's repository. */
export async function markPulled(fs: Fs, workspace: WorkspacePlan): Promise<void> {
  const imported = (await ids(fs, join(workspace.dir, "imported"))).sort();
  const through = imported[imported.length - 1] ?? (await pulledThrough(fs, workspace));
  await fs.writeAtomic(join(workspace.dir, PULLED_FILE), `${JSON.stringify({ through })}\n`, 0o600);
}
