/**
 * The gate's half of the host keeper's answer to a push. The keeper (on the host) touches
 * `keeper.alive` in the quarantine while it runs and, once it has imported or refused a push,
 * writes `verdicts/<id>.json` atomically. The gate waits for that file only while the keeper's
 * heartbeat is fresh, and at most `waitMs`: with no keeper (host rebooted, keeper dead) a push
 * is accepted as before and imported on `pull`/`down`. Files only, polled: a bind mount or
 * virtiofs share may not carry inotify events across.
 */
import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";

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

async function keeperAlive(quarantine: string): Promise<boolean> {
  const info = await stat(join(quarantine, KEEPER_HEARTBEAT_FILE)).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < HEARTBEAT_FRESH_MS;
}

async function readVerdict(path: string, id: string): Promise<PushVerdict | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as Partial<PushVerdict>;
  const reason = typeof parsed.reason === "string" ? { reason: parsed.reason } : {};
  return { id, ok: parsed.ok === true, ...reason };
}

/** Waits for the keeper's verdict on push `id`; consumes the verdict file. */
export async function awaitVerdict(quarantine: string, id: string, waitMs: number): Promise<KeeperAnswer> {
  if (!(await keeperAlive(quarantine))) return { none: "no keeper" };
  const path = join(quarantine, VERDICTS_DIR, `${id}.json`);
  const deadline = Date.now() + waitMs;
  let delay = 5;
  for (;;) {
    const verdict = await readVerdict(path, id);
    if (verdict) {
      await rm(path, { force: true });
      return verdict;
    }
    if (Date.now() >= deadline) return { none: "timed out" };
    // A keeper that died mid-wait stops refreshing its heartbeat: stop waiting for it too.
    if (delay === 100 && !(await keeperAlive(quarantine))) return { none: "no keeper" };
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
}
