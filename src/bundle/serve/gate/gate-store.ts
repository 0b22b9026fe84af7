/**
 * The gate's view of the workspace on disk: the read-only mirror the host built (its refs in
 * `info/refs`, written by `git update-server-info`) and the quarantine where accepted pushes
 * wait for the host to import them (`pushes/<id>.pack` beside `pushes/<id>.json`, the JSON
 * written last, atomically: a push exists once its JSON does).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Fs } from "../../../core/fs.ts";
import type { RefCommand } from "./receive-request.ts";

export const PUSHES_DIR = "pushes";
export const INCOMING_DIR = "incoming";

/** One accepted push as the host reads it. */
export interface PushRecord {
  readonly id: string;
  readonly time: string;
  readonly refs: readonly RefCommand[];
  readonly objects: number;
  readonly bytes: number;
}

const OID_REF = /^([0-9a-f]{40})\t(\S+)$/;

/** Refs of a `git update-server-info` info/refs file; peeled "^{}" lines are skipped. */
export function parseInfoRefs(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = OID_REF.exec(line);
    if (match && !match[2]?.endsWith("^{}")) refs.set(match[2] as string, match[1] as string);
  }
  return refs;
}

/** Ids sort in the order the pushes were accepted. */
export function isPushId(name: string): boolean {
  return /^\d{15}-\d{6}$/.test(name);
}

export class GateStore {
  private counter = 0;
  /** Serialises compare-and-swap plus record writing across concurrent pushes. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly mirror: string,
    readonly quarantine: string,
    private readonly fs: Fs,
  ) {}

  async prepare(): Promise<void> {
    await this.fs.makeDir(join(this.quarantine, PUSHES_DIR), 0o700);
    await this.fs.makeDir(join(this.quarantine, INCOMING_DIR), 0o700);
  }

  /** Accepted pushes not yet taken by the host, oldest first. */
  async pending(): Promise<PushRecord[]> {
    const names = await this.fs.listDir(join(this.quarantine, PUSHES_DIR)).catch(() => [] as string[]);
    const ids = names
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -5))
      .filter(isPushId)
      .sort();
    const records: PushRecord[] = [];
    for (const id of ids) {
      const path = join(this.quarantine, PUSHES_DIR, `${id}.json`);
      const text = await this.fs.readTextIfExists(path).catch(() => undefined);
      if (text !== undefined) records.push(JSON.parse(text) as PushRecord);
    }
    return records;
  }

  /**
   * Refs as a push sees them: the mirror's, then every pending push applied in order. Pending
   * pushes are listed before the mirror is read, so an import finishing in between is seen.
   */
  async currentRefs(): Promise<Map<string, string>> {
    const records = await this.pending();
    const infoRefs = await this.fs.readTextIfExists(join(this.mirror, "info", "refs")).catch(() => undefined);
    const refs = parseInfoRefs(infoRefs ?? "");
    for (const record of records) for (const command of record.refs) refs.set(command.ref, command.newId);
    return refs;
  }

  /** A fresh path for an incoming pack. */
  incomingPath(): string {
    return join(this.quarantine, INCOMING_DIR, `${randomBytes(8).toString("hex")}.pack`);
  }

  /** Runs `work` with no other push between its read of the refs and its commit. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Moves the pack into `pushes/` and writes its record last. Call inside `exclusive`. */
  async commit(packPath: string, record: Omit<PushRecord, "id" | "time">): Promise<PushRecord> {
    this.counter = (this.counter + 1) % 1_000_000;
    const id = `${String(Date.now()).padStart(15, "0")}-${String(this.counter).padStart(6, "0")}`;
    const full: PushRecord = { id, time: new Date().toISOString(), ...record };
    const dir = join(this.quarantine, PUSHES_DIR);
    await this.fs.move(packPath, join(dir, `${id}.pack`));
    await this.fs.writeAtomic(join(dir, `${id}.json`), `${JSON.stringify(full)}\n`, 0o600);
    return full;
  }

  async discard(packPath: string): Promise<void> {
    await this.fs.remove(packPath);
  }
}
