/**
 * The audit trail: one JSON line per decision, appended to a file in the bundle's state and
 * fanned out to /events subscribers. Holds only host/port/method/path, never bodies or queries.
 */
import { appendFile } from "node:fs/promises";

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
}

const RING = 1000;

export class Audit {
  private readonly subscribers = new Set<(line: string) => void>();
  private readonly recent: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  /** Lines waiting for the file: written together by one append once the previous one is done. */
  private pending = "";

  constructor(private readonly path: string | undefined) {}

  write(event: AuditEvent): void {
    const line = `${JSON.stringify(event)}\n`;
    this.recent.push(line);
    if (this.recent.length > RING) this.recent.shift();
    for (const subscriber of this.subscribers) subscriber(line);
    if (this.path) {
      const path = this.path;
      const first = this.pending === "";
      this.pending += line;
      // Serialised appends keep lines whole and in order; under load, lines that arrive while a
      // write is in flight share the next one (one syscall, not one per tunnel).
      if (first) {
        this.queue = this.queue
          .then(() => {
            const batch = this.pending;
            this.pending = "";
            return appendFile(path, batch, { mode: 0o600 });
          })
          .catch(() => {});
      }
    }
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
