/**
 * The audit trail: one JSON line per decision, appended to a file in the bundle's state and
 * fanned out to /events subscribers. Holds only host/port/method/path, never bodies or queries.
 * The file is bounded (see audit-file.ts); whatever does not reach it is counted, in /status and
 * in the file itself as a `"kind":"audit"` line once writing works again.
 */
import type { Fs } from "../../core/fs.ts";
import { AuditFile, type AuditFileLimits } from "./audit-file.ts";

export interface AuditEvent {
  readonly time: string;
  readonly bottle: string;
  /**
   * `tls`: one request inside a terminated CONNECT; `resolve`: a name resolved under a wildcard
   * rule; `git`: one request to the git gate.
   */
  readonly kind: "connect" | "http" | "dns" | "tls" | "resolve" | "git";
  readonly client: string;
  readonly method?: string;
  readonly host: string;
  readonly port?: number;
  readonly path?: string;
  readonly address?: string;
  readonly decision: "allow" | "deny" | "refused" | "error";
  readonly rule: string;
  readonly reason?: string;
  readonly bytesUp?: number;
  readonly bytesDown?: number;
  readonly durationMs?: number;
  /** The answer's status, for requests the bundle could read. */
  readonly status?: number;
  /** A canary hit: the credential whose sentinel showed up (its name, never a value). */
  readonly canary?: string;
  /** A DLP finding: the pattern's name, never the match. */
  readonly dlp?: string;
  /** Git gate: each ref a push named, with "ok" or the reason it was refused. */
  readonly refs?: readonly { readonly ref: string; readonly oldId: string; readonly newId: string; readonly result: string }[];
  /** Aggregated lines (DNS): how many queries this line stands for. */
  readonly count?: number;
}

const RING = 1000;
/** Lines held for the file while a write is in flight; past this they are dropped and counted. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/** What the audit did that was not a plain append, for /status. */
export interface AuditStats {
  bytesWritten: number;
  rotations: number;
  /** Bytes of old history removed with the oldest rotated file. */
  rotatedOutBytes: number;
  /** Lines dropped before reaching the file (writes falling behind, or failing). */
  droppedLines: number;
  writeErrors: number;
}

export interface AuditOptions {
  readonly limits?: AuditFileLimits;
  /** Where a write failure is told (the bundle's stderr). */
  readonly log?: (line: string) => void;
}

export class Audit {
  private readonly subscribers = new Set<(line: string) => void>();
  private readonly recent: string[] = [];
  private readonly file: AuditFile | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Lines waiting for the file: written together by one append once the previous one is done. */
  private pending = "";
  private pendingLines = 0;
  /** Dropped lines not yet reported in the file. */
  private unreported = { lines: 0, why: "" };
  private readonly counts = { bytesWritten: 0, droppedLines: 0, writeErrors: 0 };

  /** `file`: where the lines go, through the injected Fs; undefined keeps them in memory only. */
  constructor(
    file: { readonly path: string; readonly fs: Fs } | undefined,
    private readonly options: AuditOptions = {},
  ) {
    this.file = file ? new AuditFile(file.path, file.fs, options.limits) : undefined;
  }

  write(event: AuditEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    this.recent.push(line);
    if (this.recent.length > RING) this.recent.shift();
    for (const subscriber of this.subscribers) subscriber(line);
    if (!this.file) return;
    if (this.pending.length + line.length > MAX_PENDING_BYTES) return this.drop(1, "the disk fell behind");
    const first = this.pending === "";
    this.pending += line;
    this.pendingLines++;
    // Serialised appends keep lines whole and in order; under load, lines that arrive while a
    // write is in flight share the next one (one syscall, not one per tunnel).
    if (first) this.queue = this.queue.then(() => this.flushPending());
  }

  private async flushPending(): Promise<void> {
    const batch = this.pending;
    const lines = this.pendingLines;
    this.pending = "";
    this.pendingLines = 0;
    const dropped = this.unreported;
    this.unreported = { lines: 0, why: "" };
    const head = dropped.lines > 0 ? this.note(`${dropped.lines} audit lines were dropped: ${dropped.why}`, dropped.lines) : "";
    try {
      await this.file!.append(head + batch, (bytes) => this.note(`the oldest rotated audit file (${bytes} bytes) was removed to stay under ${this.file!.limits.maxBytes} bytes`));
      this.counts.bytesWritten += Buffer.byteLength(head + batch);
    } catch (error) {
      this.counts.writeErrors++;
      this.drop(lines, `writing ${this.file!.path} failed: ${(error as Error).message}`);
      if (dropped.lines > 0) this.unreported.lines += dropped.lines;
      if (this.counts.writeErrors === 1 || this.counts.writeErrors % 100 === 0) {
        this.options.log?.(`bundle: cannot write the audit log (${this.counts.writeErrors} failures, ${this.counts.droppedLines} lines lost so far): ${(error as Error).message}\n`);
      }
    }
  }

  private drop(lines: number, why: string): void {
    this.counts.droppedLines += lines;
    this.unreported = { lines: this.unreported.lines + lines, why };
  }

  /** A line the audit writes about itself. */
  private note(reason: string, count?: number): string {
    const event = { time: new Date().toISOString(), kind: "audit", decision: "dropped", rule: "audit-limits", reason, ...(count ? { count } : {}) };
    return `${JSON.stringify(event)}\n`;
  }

  stats(): AuditStats {
    const file = this.file;
    return { ...this.counts, rotations: file?.rotations ?? 0, rotatedOutBytes: file?.totalRemovedBytes ?? 0 };
  }

  /** Calls `send` with the recent lines, then each new one, until the returned function is called. */
  subscribe(send: (line: string) => void): () => void {
    for (const line of this.recent) send(line);
    this.subscribers.add(send);
    return () => this.subscribers.delete(send);
  }

  flushed(): Promise<void> {
    return this.queue;
  }
}
