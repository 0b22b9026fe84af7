/**
 * Detached children and signals by pid + start time (core/processes.ts). The start time is
 * field 22 of /proc/<pid>/stat on Linux, `ps -o lstart=` elsewhere.
 */
import { spawn, spawnSync } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import type { DetachedOptions, ProcessRecord, Processes } from "../core/processes.ts";

/**
 * Field 22 (starttime) of a /proc stat line, undefined for a zombie (exited, not yet reaped).
 * The command name may hold spaces and parentheses. Pure.
 */
export function statStartTime(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
}

function startTimeOf(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform === "linux") {
    try {
      return statStartTime(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return undefined;
    }
  }
  const ps = spawnSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" });
  const text = ps.status === 0 ? ps.stdout.trim() : "";
  return text === "" ? undefined : text;
}

function isAlive(record: ProcessRecord): boolean {
  return startTimeOf(record.pid) === record.startTime;
}

/** How to run this program again: the compiled binary, or the runtime with its script. */
export function selfArgv(selfBinary: string | undefined): string[] {
  if (selfBinary) return [selfBinary];
  const script = process.argv[1] ?? "";
  if ((globalThis as { Deno?: unknown }).Deno) return [process.execPath, "run", "--allow-all", "--no-prompt", script];
  return [process.execPath, script];
}

async function spawnDetached(argv: readonly string[], options: DetachedOptions): Promise<ProcessRecord> {
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError("spawnDetached needs a non-empty argv");
  const log = openSync(options.logPath, "a", 0o600);
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", log, log],
      env: options.env as NodeJS.ProcessEnv,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve(child.pid as number));
    });
    child.unref();
    const startTime = startTimeOf(pid);
    if (startTime === undefined) throw new Error(`process ${pid} exited as soon as it started (see ${options.logPath})`);
    return { pid, startTime };
  } finally {
    closeSync(log);
  }
}

async function waitGone(record: ProcessRecord, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  let delay = 5;
  while (isAlive(record)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 100);
  }
  return true;
}

function signal(pid: number, name: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as { code?: string }).code !== "ESRCH") throw error;
  }
}

export function nodeProcesses(selfBinary: string | undefined): Processes {
  return {
    selfArgv: selfArgv(selfBinary),
    spawnDetached,
    alive: async (record) => isAlive(record),
    self: () => ({ pid: process.pid, startTime: startTimeOf(process.pid) ?? "" }),
    async stop(record, waitMs) {
      if (!isAlive(record)) return false;
      signal(record.pid, "SIGTERM");
      if (await waitGone(record, waitMs)) return true;
      if (isAlive(record)) signal(record.pid, "SIGKILL");
      await waitGone(record, 5_000);
      return true;
    },
  };
}
