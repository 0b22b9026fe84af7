/**
 * The gate's half of the host keeper's answer to a push. The keeper (on the host) writes the
 * time into `keeper.alive` in the quarantine every second while it runs and, once it has imported or refused a push,
 * writes `verdicts/<id>.json` atomically. The gate waits for that file only while the keeper's
 * heartbeat is fresh, and at most `waitMs`: with no keeper (host rebooted, keeper dead) a push
 * is accepted as before and imported on `pull`/`down`. Files only, polled: a bind mount or
 * virtiofs share may not carry inotify events across.
 */
import { join } from "node:path";
import type { Fs } from "../../../core/fs.ts";

export const KEEPER_HEARTBEAT_FILE = "keeper.alive";
export const VERDICTS_DIR = "verdicts";
/** A heartbeat older than this means no keeper is running. */
export const HEARTBEAT_FRESH_MS = 5_000;
export const DEFAULT_VERDICT_WAIT_MS = 30_000;

/** What the keeper decided about one push. */
export interface PushVerdict {
  readonly id: string;
  readonly ok: boolean;
  /** Why it was refused: one line, shown by git as `! [remote rejected] … (reason)`. */
  readonly reason?: string;
}

/** The keeper's answer, or "none" when no keeper runs or it did not answer in time. */
export type KeeperAnswer = PushVerdict | { readonly none: "no keeper" | "timed out" };

/** The heartbeat holds the time the keeper last wrote it (ISO 8601). */
async function keeperAlive(fs: Fs, quarantine: string): Promise<boolean> {
  const text = await fs.readTextIfExists(join(quarantine, KEEPER_HEARTBEAT_FILE)).catch(() => undefined);
  const at = text === undefined ? Number.NaN : Date.parse(text.trim());
  return Date.now() - at < HEARTBEAT_FRESH_MS;
}

async function readVerdict(fs: Fs, path: string, id: string): Promise<PushVerdict | undefined> {
  // Unreadable for a moment while the keeper hands the file over: the next poll reads it.
  const text = await fs.readTextIfExists(path).catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as Partial<PushVerdict>;
  const reason = typeof parsed.reason === "string" ? { reason: parsed.reason } : {};
  return { id, ok: parsed.ok === true, ...reason };
}

/** Waits for the keeper's verdict on push `id`; consumes the verdict file. */
export async function awaitVerdict(fs: Fs, quarantine: string, id: string, waitMs: number): Promise<KeeperAnswer> {
  if (!(await keeperAlive(fs, quarantine))) return { none: "no keeper" };
  const path = join(quarantine, VERDICTS_DIR, `${id}.json`);
  const deadline = Date.now() + waitMs;
  let delay = 5;
  for (;;) {
    const verdict = await readVerdict(fs, path, id);
    if (verdict) {
      await fs.remove(path);
      return verdict;
    }
    if (Date.now() >= deadline) return { none: "timed out" };
    // A keeper that died mid-wait stops refreshing its heartbeat: stop waiting for it too.
    if (delay === 100 && !(await keeperAlive(fs, quarantine))) return { none: "no keeper" };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}
