/**
 * Locks as files made with O_EXCL holding the owner's pid. A lock whose pid is gone (SIGKILL,
 * reboot) is stale and taken over, so a crash never wedges a bottle.
 */
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { BottleError, EXIT } from "../core/errors.ts";
import type { Locks } from "../core/lock.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

async function tryTake(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code !== "EEXIST") throw error;
    return false;
  }
}

async function owner(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text, 10);
  return Number.isFinite(pid) ? pid : undefined;
}

export const fileLocks: Locks = {
  async acquire(path, what, waitMs = 30_000) {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const deadline = Date.now() + waitMs;
    let delay = 5;
    for (;;) {
      if (await tryTake(path)) return () => rm(path, { force: true });
      const pid = await owner(path);
      if (pid !== undefined && pid !== process.pid && !alive(pid)) {
        await rm(path, { force: true }); // the owner died; the next tryTake races fairly for it
        continue;
      }
      if (Date.now() >= deadline) {
        throw new BottleError("E_LOCKED", `Cannot lock ${what}: process ${pid ?? "?"} holds it`, {
          exitCode: EXIT.tempFail,
          hint: `wait for that claude-bottle to finish, or remove ${path} if no claude-bottle is running`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
    }
  },
};
